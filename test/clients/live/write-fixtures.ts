// `npm run test:clients -- --record`: what each client sent becomes test/fixtures/clients/<client>-<version>/<case>-<n>.json
// (trimmed, see ../trim.ts) with a README saying how it was captured, what was trimmed and how the gateway answered
// then. The replay suite (../replay.test.ts) reads them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR, MCP_DIR, SOCKET_DIR, fixtureFile, type Fixture, type SocketFixture } from '../fixture.ts';
import { DEFAULT_TRIM, trimValue, type TrimRules } from '../trim.ts';
import { HOME, WORKDIR } from './home.ts';
import { ROOT } from './install.ts';
import type { CaseResult } from './run.ts';
import type { Exchange } from '../record.ts';

const RULES: TrimRules = {
  ...DEFAULT_TRIM,
  replace: [
    [WORKDIR, '/home/user/project'],
    [HOME, '/home/user'],
    [ROOT, '/path/to/switchyard'],
  ],
};
const CLIENT_KEY = /sy-[0-9a-f]{40}/g;

/** Writes every result's exchanges; returns the folders written. */
export function writeFixtures(results: readonly CaseResult[]): string[] {
  const folders = new Map<string, CaseResult[]>();
  for (const r of results) {
    const folder = `${r.c.fixtures}-${r.version}`;
    folders.set(folder, [...(folders.get(folder) ?? []), r]);
  }
  const written: string[] = [];
  for (const [folder, rs] of folders) {
    const dir = join(FIXTURES_DIR, folder);
    mkdirSync(dir, { recursive: true });
    const rows: string[] = [];
    for (const r of rs) {
      for (const f of readdirSync(dir).filter((f) => f.startsWith(`${r.c.name}-`) && /-\d+\.json$/.test(f)))
        rmSync(join(dir, f));
      const sockets = r.outcome.exchanges.filter((e) => e.frames !== undefined);
      writeSockets(join(dir, SOCKET_DIR), r, sockets, rows);
      const http = r.outcome.exchanges.filter((e) => e.frames === undefined);
      const isMcp = (e: Exchange): boolean => e.request.path.startsWith('/mcp');
      // A request sent again unchanged (a retry) is kept once; the README says how many times it went. An MCP
      // session's requests are kept each, in order: a replay follows the session they belong to.
      const kept: [string, { e: Exchange; times: number }[]][] = [
        ['', distinct(http.filter((e) => !isMcp(e)))],
        // In the order they were sent: a stream the client left (a listen) is recorded only as it ends.
        [
          MCP_DIR,
          http
            .filter(isMcp)
            .sort((a, b) => (a.at ?? 0) - (b.at ?? 0))
            .map((e) => ({ e, times: 1 })),
        ],
      ];
      for (const [sub, list] of kept) {
        const into = join(dir, sub);
        if (sub !== '' && existsSync(into))
          for (const f of readdirSync(into).filter((f) => f.startsWith(`${r.c.name}-`) && /-\d+\.json$/.test(f)))
            rmSync(join(into, f));
        if (list.length > 0) mkdirSync(into, { recursive: true });
        for (const [i, { e, times }] of list.entries()) {
          const fixture = fixtureOf(r, i + 1, e);
          writeFileSync(
            join(into, fixtureFile(fixture)),
            `${JSON.stringify(fixture, null, 2).replace(CLIENT_KEY, '<redacted>')}\n`,
          );
          const file = sub === '' ? fixtureFile(fixture) : `${sub}/${fixtureFile(fixture)}`;
          rows.push(
            `| ${file} | ${r.c.name} | \`${e.request.method} ${e.request.path}\`${times > 1 ? ` (sent ${times} times)` : ''} | ${answeredText(e.answered)} |`,
          );
        }
      }
    }
    // Counted over the folder's files, not this run's: with --only, the cases not run keep theirs.
    writeFileSync(join(dir, 'README.md'), readme(folder, rs, [...earlierRows(dir, rs), ...rows], trimmedIn(dir)));
    written.push(dir);
  }
  return written;
}

/** One captured request as its fixture, trimmed. */
function fixtureOf(r: CaseResult, seq: number, e: Exchange): Fixture {
  return {
    client: r.c.client,
    version: r.version,
    case: r.c.name,
    seq,
    request: {
      ...e.request,
      headers: trimValue(e.request.headers, RULES) as Record<string, string>,
      body: trimValue(e.request.body, RULES),
    },
    answered: e.answered,
  };
}

/** How many strings the folder's fixtures (and its `websocket/` and `mcp/`) have cut (`… [N characters trimmed]`). */
function trimmedIn(dir: string): number {
  return [dir, join(dir, SOCKET_DIR), join(dir, MCP_DIR)]
    .filter((d) => existsSync(d))
    .flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(d, f)),
    )
    .reduce((n, f) => n + [...readFileSync(f, 'utf8').matchAll(/… \[\d+ characters trimmed\]/g)].length, 0);
}

/** The README's rows of the cases this run did not record (`--only`): kept, so recording some cases does not drop
 * the others from the table. */
function earlierRows(dir: string, rs: readonly CaseResult[]): string[] {
  const file = join(dir, 'README.md');
  if (!existsSync(file)) return [];
  const ran = new Set(rs.map((r) => r.c.name));
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^\| \S+\.json \| /.test(line))
    .filter((line) => !ran.has(line.split(' | ')[1] ?? ''));
}

/** A case's WebSockets as `websocket/<case>-<n>.json` (SocketFixture). */
function writeSockets(dir: string, r: CaseResult, sockets: readonly Exchange[], rows: string[]): void {
  if (existsSync(dir))
    for (const f of readdirSync(dir).filter((f) => f.startsWith(`${r.c.name}-`) && /-\d+\.json$/.test(f)))
      rmSync(join(dir, f));
  if (sockets.length === 0) return;
  mkdirSync(dir, { recursive: true });
  for (const [i, e] of sockets.entries()) {
    const fixture: SocketFixture = {
      client: r.c.client,
      version: r.version,
      case: r.c.name,
      transport: 'websocket',
      upgrade: {
        method: e.request.method,
        path: e.request.path,
        headers: trimValue(e.request.headers, RULES) as Record<string, string>,
      },
      frames: (e.frames ?? []).map((f) =>
        'sent' in f
          ? { sent: trimValue(f.sent, RULES) as Record<string, unknown> }
          : { answered: eventName(f.answered) },
      ),
    };
    const file = fixtureFile({ case: r.c.name, seq: i + 1 });
    writeFileSync(join(dir, file), `${JSON.stringify(fixture, null, 2).replace(CLIENT_KEY, '<redacted>')}\n`);
    const turns = fixture.frames.filter((f) => 'sent' in f).length;
    rows.push(
      `| ${SOCKET_DIR}/${file} | ${r.c.name} | \`GET ${e.request.path}\` upgraded, ${turns} turn${turns === 1 ? '' : 's'} | ${e.answered.status} |`,
    );
  }
}

/** An answered event as a socket fixture keeps it: its type; an error event's status and code too. */
function eventName(event: unknown): string {
  if (event === null || typeof event !== 'object') return String(event);
  const { type, status, error } = event as { type?: unknown; status?: unknown; error?: { code?: unknown } };
  return type === 'error' ? `error ${String(status)} ${String(error?.code ?? '')}`.trim() : String(type);
}

/** The exchanges with a request not sent before in this case, each with how many times it was sent. */
function distinct(exchanges: readonly Exchange[]): { e: Exchange; times: number }[] {
  const seen = new Map<string, { e: Exchange; times: number }>();
  for (const e of exchanges) {
    const key = JSON.stringify([e.request.method, e.request.path, e.request.body]);
    const entry = seen.get(key);
    if (entry) entry.times += 1;
    else seen.set(key, { e, times: 1 });
  }
  return [...seen.values()];
}

function answeredText(a: Fixture['answered']): string {
  if (a.status < 400) return String(a.status);
  const error = a.error as { error?: { message?: unknown } | string; message?: unknown } | string | undefined;
  const message =
    typeof error === 'object' && error !== null
      ? typeof error.error === 'object'
        ? error.error.message
        : (error.error ?? error.message)
      : error;
  const text = String(message ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|');
  return `${a.status}: ${text.length > 140 ? `${text.slice(0, 137)}…` : text}`;
}

function readme(folder: string, rs: readonly CaseResult[], rows: readonly string[], cut: number): string {
  const first = rs[0];
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  return [
    `# ${first?.c.client ?? folder} ${first?.version ?? ''}: captured requests`,
    '',
    `Captured on ${new Date().toISOString().slice(0, 10)} by \`npm run test:clients -- --record\` (Switchyard ${rev || 'unknown revision'}):`,
    `the real client (\`${first?.c.pkg ?? ''}\` ${first?.version ?? ''}) with its default settings, pointed at a gateway in front of the`,
    'simulator as docs/clients.md says, through the recording proxy (test/clients/record.ts). The `error` case ran against a',
    'gateway whose every route fails (each upstream key rejected), the `cooling` case against one whose every key is',
    'rate-limited (503 with Retry-After). `test/clients/replay.test.ts` replays these requests.',
    '',
    '| file | case | request | answered at capture |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## What was trimmed',
    '',
    '- Paths of the capturing machine: its HOME is `/home/user`, the project directory `/home/user/project`.',
    `- Strings longer than ${RULES.maxString} characters (system prompts, tool descriptions, grammars) are cut to their first`,
    `  ${RULES.keep}, ending \`… [N characters trimmed]\` (${cut} in this folder). Every field, message, block and tool is kept.`,
    '- Credentials: `authorization`, `x-api-key` and other key headers read `<redacted>`. Connection headers (`host`,',
    '  `content-length`, `connection`, `accept-encoding`) are not kept.',
    '- A request the client sent again unchanged (a retry) is kept once; the table says how many times it went.',
    '',
    ...(rows.some((r) => r.startsWith(`| ${SOCKET_DIR}/`))
      ? [
          '## Over the WebSocket: `websocket/`',
          '',
          'A case that spoke the Responses WebSocket mode (`GET /v1/responses` upgraded) is kept in `websocket/<case>-<n>.json`',
          "(test/clients/fixture.ts, `SocketFixture`): the upgrade's headers, then in order each `response.create` the client",
          'sent (`sent`, trimmed as above) and the type of each event it was answered (`answered`). The replay suite sends',
          "each turn again over a WebSocket, with the ids and calls of this replay's own answers where the client sent those",
          'of the capture (`previous_response_id`, `call_id`, a `compaction` item). They sit in a folder of their own since',
          'the HTTP replay reads the files beside this README.',
          '',
        ]
      : []),
    ...(rows.some((r) => r.startsWith(`| ${MCP_DIR}/`))
      ? [
          '## MCP: `mcp/`',
          '',
          "What a case sent the gateway's `/mcp` (its MCP server: the `mcp-*` cases) is kept in `mcp/<case>-<n>.json`, each",
          'request in the order it went (one an MCP session sent twice is kept twice). `test/clients/replay-mcp.test.ts`',
          "replays each case's in order, with its own session id where the client sent the capture's, and the case's fault",
          '(a narrowed allow-list, an expired token, a crashed stdio server) before its `tools/call`.',
          '',
        ]
      : []),
  ].join('\n');
}
