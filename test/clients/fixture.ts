// A captured client request as it is kept in test/fixtures/clients/<client>-<version>/: what the client sent (method,
// path, the headers that matter, auth redacted, the body) and what answered it at capture time. The recorder writes
// these, the replay suite reads them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CapturedRequest {
  method: string;
  /** Path and query as sent (`/v1/messages?beta=true`). */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON, or the text when it is not JSON; null for an empty body. */
  body: unknown;
}

export interface CapturedAnswer {
  status: number;
  contentType: string;
  /** The gateway's route that answered (`x-switchyard-route`), when it said. */
  route?: string;
  /** The error body of a non-2xx answer (JSON or text), for the README; answers that succeeded are not kept. */
  error?: unknown;
}

export interface Fixture {
  client: string;
  version: string;
  /** first-turn, tool-turn, stream, error, … */
  case: string;
  /** The n-th request the client sent in that case (from 1). */
  seq: number;
  request: CapturedRequest;
  /** How the gateway answered when the request was captured. */
  answered: CapturedAnswer;
}

/** A WebSocket a client opened (the Responses WebSocket mode), kept as `<client>-<version>/websocket/<case>-<n>.json`:
 * its upgrade request and its messages in order — each JSON message the client sent whole (`sent`), and the type of
 * each event it was answered (`answered`; an `error` event with its status and code), which is enough to say what
 * each turn came to. */
export interface SocketFixture {
  client: string;
  version: string;
  case: string;
  transport: 'websocket';
  upgrade: Omit<CapturedRequest, 'body'>;
  frames: ({ sent: Record<string, unknown> } | { answered: string })[];
}

/** The folder, inside a client's, that holds its WebSocket captures (the HTTP replay reads only the files beside it). */
export const SOCKET_DIR = 'websocket';

/** The folder, inside a client's, that holds what it sent the gateway's /mcp (replayed by replay-mcp.test.ts, in
 * order per case, since a request of an MCP session follows its `initialize`). */
export const MCP_DIR = 'mcp';

export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures', 'clients');

/** Stands in for a redacted credential; the replay puts its own key there. */
export const REDACTED = '<redacted>';

// Headers that describe the connection, not the client: not kept (they change with every run and mean nothing to a replay).
const DROPPED = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'te',
  'upgrade',
  'proxy-connection',
]);

/** Whether a header carries a credential (its value is replaced by REDACTED). */
export function isCredentialHeader(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === 'authorization' ||
    n === 'proxy-authorization' ||
    n === 'cookie' ||
    /(^|-)(api-?key|token|secret)($|-)/.test(n)
  );
}

/** The headers a fixture keeps: lower-cased, sorted, credentials redacted (their scheme kept: `Bearer <redacted>`). */
export function keptHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(raw)
    .map((n) => n.toLowerCase())
    .sort()) {
    const value = raw[name];
    if (value === undefined || DROPPED.has(name)) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = isCredentialHeader(name) ? redactValue(text) : text;
  }
  return out;
}

function redactValue(value: string): string {
  const scheme = /^(Bearer|Basic)\s+/i.exec(value);
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

export function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Every fixture under FIXTURES_DIR, by `<folder>/<file>`. */
export function loadFixtures(dir = FIXTURES_DIR): Map<string, Fixture> {
  const out = new Map<string, Fixture>();
  for (const folder of readdirSync(dir, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(dir, folder.name))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      out.set(`${folder.name}/${file}`, JSON.parse(readFileSync(join(dir, folder.name, file), 'utf8')) as Fixture);
    }
  }
  return out;
}

/** Every WebSocket capture under FIXTURES_DIR, by `<folder>/websocket/<file>`. */
export function loadSocketFixtures(dir = FIXTURES_DIR): Map<string, SocketFixture> {
  const out = new Map<string, SocketFixture>();
  for (const folder of readdirSync(dir, { withFileTypes: true })) {
    const sockets = join(dir, folder.name, SOCKET_DIR);
    if (!folder.isDirectory() || !existsSync(sockets)) continue;
    for (const file of readdirSync(sockets)
      .filter((f) => f.endsWith('.json'))
      .sort())
      out.set(
        `${folder.name}/${SOCKET_DIR}/${file}`,
        JSON.parse(readFileSync(join(sockets, file), 'utf8')) as SocketFixture,
      );
  }
  return out;
}

/** Every /mcp capture under FIXTURES_DIR, by `<folder>/mcp/<file>`, each case's in the order they were sent. */
export function loadMcpFixtures(dir = FIXTURES_DIR): Map<string, Fixture> {
  const out = new Map<string, Fixture>();
  for (const folder of readdirSync(dir, { withFileTypes: true })) {
    const mcp = join(dir, folder.name, MCP_DIR);
    if (!folder.isDirectory() || !existsSync(mcp)) continue;
    const fixtures = readdirSync(mcp)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(mcp, f), 'utf8')) as Fixture)
      .sort((a, b) => a.case.localeCompare(b.case) || a.seq - b.seq);
    for (const f of fixtures) out.set(`${folder.name}/${MCP_DIR}/${fixtureFile(f)}`, f);
  }
  return out;
}

/** The file name a fixture is kept under: `<case>-<seq>.json` (`tool-turn-2.json`). */
export function fixtureFile(f: Pick<Fixture, 'case' | 'seq'>): string {
  return `${f.case}-${f.seq}.json`;
}
