// The MCP side of the live tier's `mcp-*` cases, without the clients: what Claude Code and Codex sent the gateway's
// /mcp (test/fixtures/clients/<client>-<version>/mcp/) replayed in order against a gateway with the same MCP servers
// (the simulator's, over stdio and over HTTP with minted tokens) and the same client key allow-list, each case's fault
// made where the live case made it (after the tools were listed): the key's list narrowed, the remote server's token
// expired, the stdio server killed. Each answer is read as the client reads it (JSON, or the SSE stream of a 2025
// session); the ledger's rows are read with `switchyard usage --by tool`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { startHarness, simProvider, type Harness } from '../gateway/harness.ts';
import { startMcpSim, type McpSim } from '../../src/sim/fronts/mcp/http.ts';
import { loadMcpFixtures, REDACTED, type Fixture } from './fixture.ts';
import type { StdioUpstream } from '../../src/mcp/upstream.ts';
import { until } from '../helpers/until.ts';

const SWITCHYARD_BIN = join(import.meta.dirname, '../../bin/switchyard.js');
/** The key's allow-list in every case (as test/clients/live/cases.ts's MCP_ALLOWED). */
const ALLOWED = ['files__echo', 'files__add', 'remote__echo'];
const MCP_CLIENT = { clientId: 'replay-gateway', clientSecret: 'replay-mcp-secret-0001' };

interface CaseRow {
  /** Allowed besides ALLOWED until the fault (the refused case's tool, listed, then taken off the list). */
  extra?: string[];
  fault?: 'narrow' | 'expire' | 'crash';
  /** The tools/call's outcome, as the ledger and the answer say it. */
  outcome: 'ok' | 'refused';
}

/** One row per captured case; a capture without a row fails the suite. */
const CASES: Record<string, CaseRow> = {
  'claude-code-2.1.331/mcp-tool': { outcome: 'ok' },
  'claude-code-2.1.331/mcp-refused': { extra: ['files__hang'], fault: 'narrow', outcome: 'refused' },
  'claude-code-2.1.331/mcp-token-expiry': { fault: 'expire', outcome: 'ok' },
  'claude-code-2.1.331/mcp-stdio-crash': { fault: 'crash', outcome: 'ok' },
  'codex-0.169.0/mcp-tool': { outcome: 'ok' },
  'codex-0.169.0/mcp-refused': { extra: ['files__hang'], fault: 'narrow', outcome: 'refused' },
};

let remote: McpSim;
let h: Harness;

before(async () => {
  remote = await startMcpSim({ tokens: [], oauth2: MCP_CLIENT });
  h = await startHarness({
    scenario: { keys: { 'sk-replay-mcp-0001': {} } },
    config: (sim) => ({
      providers: { up: simProvider(sim, 'openai', 'sk-replay-mcp-0001') },
      main: { provider: 'up', model: 'sim-large' },
      mcp: {
        servers: {
          files: { command: [process.execPath, SWITCHYARD_BIN, 'sim', 'mcp', '--stdio'] },
          remote: {
            url: remote.url,
            oauth2: {
              token_url: remote.tokenUrl,
              client_id: MCP_CLIENT.clientId,
              client_secret: MCP_CLIENT.clientSecret,
            },
            // The default wait (3 s) is a healthy mint's; in a suite at load 20 the local token endpoint took longer.
            // Still under STEP_TIMEOUT_MS, so a mint that never comes fails its step by name.
            mint_wait: '20s',
          },
        },
      },
    }),
  });
});
after(async () => {
  await h.close();
  await remote.close();
});

/** The captures, by `<folder>/<case>`, each in the order it was sent. */
function byCase(): Map<string, Fixture[]> {
  const out = new Map<string, Fixture[]>();
  for (const [file, f] of loadMcpFixtures()) {
    const name = `${file.split('/')[0]}/${f.case}`;
    out.set(name, [...(out.get(name) ?? []), f]);
  }
  return out;
}

const captured = byCase();

test('every MCP capture has a row saying what its replay must show', () => {
  assert.deepEqual(
    [...captured.keys()].filter((c) => CASES[c] === undefined),
    [],
  );
});

function allow(tools: readonly string[]): void {
  const id = h.store.listGatewayKeys().find((k) => k.name === 'test-client')?.id ?? '';
  h.store.setGatewayKeyMcp(id, { tools: [...tools] }, Date.now());
}

/** One JSON-RPC answer, read from a JSON body or from the SSE stream a 2025 session answers with. */
interface RpcReply {
  status: number;
  session: string | null;
  message: Record<string, unknown> | undefined;
}

/** The longest one replayed request may take: a stalled answer fails its step, by name, instead of waiting out
 * undici's five minutes. Generous, as the suite's shared process is busy. */
const STEP_TIMEOUT_MS = 30_000;

async function send(f: Fixture, session: string | null, where: string): Promise<RpcReply> {
  const headers = Object.fromEntries(
    Object.entries(f.request.headers)
      .map(([k, v]): [string, string] => [k, v.replace(REDACTED, h.key)])
      .map(([k, v]): [string, string] => [k, k === 'mcp-session-id' && session !== null ? session : v]),
  );
  const body = f.request.body === null ? undefined : JSON.stringify(f.request.body);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`${where}: no answer in ${STEP_TIMEOUT_MS} ms`)),
    STEP_TIMEOUT_MS,
  );
  try {
    const res = await fetch(`${h.url}${f.request.path}`, {
      method: f.request.method,
      headers,
      signal: controller.signal,
      ...(body !== undefined ? { body } : {}),
    });
    const id = (f.request.body as { id?: unknown } | null)?.id;
    // A session's GET stream carries only what the servers send later: its status is the answer.
    const message =
      f.request.method === 'GET' ? (controller.abort(), undefined) : await readMessage(res, id, controller);
    return { status: res.status, session: res.headers.get('mcp-session-id'), message };
  } catch (err) {
    throw new Error(`${where}: ${String(err)}; the gateway's warnings: ${warnings()}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** The gateway's last warnings and errors, for a failure's message. */
function warnings(): string {
  return h.logs
    .filter((l) => /"level":(40|50|60)/.test(l))
    .slice(-5)
    .join('\n');
}

/** The answer to request `id` (or, on a stream, its first message: a listen stream's acknowledgement). A stream is
 * read only as far as that message: a listen stream stays open until the client leaves, so the replay leaves. */
async function readMessage(
  res: Response,
  id: unknown,
  controller: AbortController,
): Promise<Record<string, unknown> | undefined> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream')) {
    const text = await res.text();
    return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  }
  let found: Record<string, unknown> | undefined;
  // Whole events only: a read may end inside one.
  const parser = createParser({
    onEvent: (e) => {
      if (e.data === '') return; // a priming event, for resuming
      const m = JSON.parse(e.data) as Record<string, unknown>;
      if (found === undefined && (m['id'] === id || m['method'] !== undefined)) found = m;
    },
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return found;
      parser.feed(decoder.decode(value, { stream: true }));
      if (found !== undefined) return found;
    }
  } finally {
    controller.abort();
  }
}

/** The gateway's own stdio server `files`: the suite's shared process runs other files' gateways and their
 * servers, which are not this test's to kill. */
function filesUpstream(): StdioUpstream {
  return h.gw.app.gateway.mcp.upstream('files') as StdioUpstream;
}

const RESTARTING = 'stdio MCP server exited; restarting it';

async function fault(kind: CaseRow['fault']): Promise<void> {
  if (kind === 'narrow') allow(ALLOWED);
  if (kind === 'expire') {
    const current = remote.issuedTokens().at(-1);
    assert.ok(current !== undefined, 'the gateway minted a token to list the remote server');
    remote.expire(current);
  }
  if (kind === 'crash') {
    const seen = h.logs.filter((l) => l.includes(RESTARTING)).length;
    const pid = filesUpstream().pid;
    assert.ok(pid !== undefined, 'the stdio server runs');
    process.kill(pid, 'SIGKILL');
    // The gateway has seen the exit before the client's next call, as it had live (a model's turn came between).
    await until(
      'the gateway to see its stdio server exit',
      () => h.logs.filter((l) => l.includes(RESTARTING)).length > seen,
      30_000,
    );
  }
}

const names = (m: Record<string, unknown> | undefined): string[] =>
  ((m?.['result'] as { tools?: { name: string }[] } | undefined)?.tools ?? []).map((t) => t.name).sort();

for (const [name, fixtures] of captured) {
  const row = CASES[name];
  if (row === undefined) continue;
  test(`${name}: replayed on /mcp, the key's tools listed and the call ${row.outcome === 'ok' ? 'answered' : 'refused'}`, async () => {
    allow([...ALLOWED, ...(row.extra ?? [])]);
    const tokens = remote.issuedTokens().length;
    let session: string | null = null;
    for (const f of fixtures) {
      const method = (f.request.body as { method?: string } | null)?.method ?? f.request.method;
      const where = `${name}-${f.seq} (${method})`;
      const r = await send(f, session, where);
      session = r.session ?? session;
      assert.equal(
        r.status,
        method === 'subscriptions/listen' ? 200 : f.answered.status,
        `${where}: ${JSON.stringify(r.message)}; ${warnings()}`,
      );
      if (method === 'tools/list')
        assert.deepEqual(
          names(r.message),
          [...ALLOWED, ...(row.extra ?? [])].sort(),
          `${where}: the key's tools; ${warnings()}`,
        );
      if (method === 'subscriptions/listen')
        assert.equal(r.message?.['method'], 'notifications/subscriptions/acknowledged', `${where}: acknowledged`);
      if (method === 'tools/list') await fault(row.fault);
      if (method !== 'tools/call') continue;
      const result = r.message?.['result'] as { isError?: boolean; content?: unknown } | undefined;
      const error = r.message?.['error'] as { message?: string } | undefined;
      if (row.outcome === 'refused') assert.match(error?.message ?? '', /is not available/, where);
      else {
        assert.equal(error, undefined, `${where}: ${JSON.stringify(error)}; ${warnings()}`);
        assert.notEqual(result?.isError, true, `${where}: ${JSON.stringify(result)}`);
      }
    }
    if (row.fault === 'expire') assert.ok(remote.issuedTokens().length > tokens, 'a new token was minted');
  });
}

test("the replayed calls are the ledger's rows: `switchyard usage --by tool`", async () => {
  // Refused: each refused case's call of files__hang, failed. The others answered, none failed.
  const refusals = [...captured.keys()].filter((c) => CASES[c]?.outcome === 'refused').length;
  const rows = [
    ...(refusals > 0 ? [new RegExp(`^files__hang\\s+${refusals}\\s+${refusals}\\s`, 'm')] : []),
    ...['files__echo', 'files__add', 'remote__echo'].map((t) => new RegExp(`^${t}\\s+[1-9]\\d*\\s+0\\s`, 'm')),
  ];
  let text = '';
  // The gateway writes the ledger in batches: read again until every row is there (or 10 s have gone).
  for (let i = 0; i < 40; i++) {
    const r = spawnSync(process.execPath, [SWITCHYARD_BIN, '--config', h.configPath, 'usage', '--by', 'tool'], {
      env: { ...process.env, SWITCHYARD_HOME: h.home, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    text = r.stdout + r.stderr;
    if (rows.every((row) => row.test(text))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const row of rows) assert.match(text, row, text);
});
