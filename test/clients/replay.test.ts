// The client-conformance suite: every request a real client sent (captured by `npm run test:clients -- --record`
// into test/fixtures/clients/<client>-<version>/) replayed through the gateway against the simulator, exactly as
// sent, and its answer read with the official SDKs' parsers (test/clients/replay.ts). Each answering request runs
// twice — through an OpenAI-compatible route and through an Anthropic one —, each `error` case against a gateway
// whose every route fails and each `cooling` case against one whose every key is rate-limited. One row per fixture
// below; a new fixture without a row fails the suite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, type Harness } from '../gateway/harness.ts';
import { loadFixtures, loadSocketFixtures, type SocketFixture } from './fixture.ts';
import { replay, type Answer, type Gateway } from './replay.ts';
import { capturedTurns, replaySocket } from './replay-socket.ts';

/** What the gateway must answer: a reply, a tool call, the every-route-failed error (502), every key cooling (503 with
 * Retry-After), a plain status, or (`turns`, a WebSocket capture) each turn what it came to at capture: a warm-up, a
 * reply, a tool call, a compaction. The cooling world's 10 min stays past gateway.client_retry_max_wait however slow
 * the run, so a client that ignores x-should-retry gets its own stop (src/gateway/answer/client-retry.ts): `cooling_now`
 * (the AI SDK, OpenCode) the 503 with `retry-after-ms: 0` and no Retry-After, `cooling_429` (LangChain) a 429
 * without Retry-After, `cooling_400` (Codex) a 400; Codex gets every other answer not to retry as a 400 too
 * (`failed_400`). */
type Expect =
  | 'reply'
  | 'tool_call'
  | 'failed'
  | 'failed_400'
  | 'cooling'
  | 'cooling_now'
  | 'cooling_429'
  | 'cooling_400'
  | 'turns'
  | { status: number };
type CoolingExpect = 'cooling' | 'cooling_now' | 'cooling_429' | 'cooling_400';
const isCooling = (e: Expect): e is CoolingExpect =>
  e === 'cooling' || e === 'cooling_now' || e === 'cooling_429' || e === 'cooling_400';
const isFailed = (e: Expect): e is 'failed' | 'failed_400' => e === 'failed' || e === 'failed_400';

interface Row {
  expect: Expect;
  /** Why the row cannot pass yet (a gateway change it waits for); the test is skipped with this reason. */
  skip?: string;
}

const TABLE: Record<string, Row> = {
  // ai-sdk-7.0.173
  'ai-sdk-7.0.173/openai-text-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/openai-stream-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/openai-tool-1.json': { expect: 'tool_call' },
  'ai-sdk-7.0.173/openai-tool-2.json': { expect: 'reply' },
  'ai-sdk-7.0.173/openai-object-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/chat-text-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/chat-stream-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/chat-tool-1.json': { expect: 'tool_call' },
  'ai-sdk-7.0.173/chat-tool-2.json': { expect: 'reply' },
  'ai-sdk-7.0.173/chat-object-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/anthropic-text-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/anthropic-stream-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/anthropic-tool-1.json': { expect: 'tool_call' },
  'ai-sdk-7.0.173/anthropic-tool-2.json': { expect: 'reply' },
  'ai-sdk-7.0.173/anthropic-object-1.json': { expect: 'tool_call' },
  'ai-sdk-7.0.173/compatible-text-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/compatible-stream-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/compatible-tool-1.json': { expect: 'tool_call' },
  'ai-sdk-7.0.173/compatible-tool-2.json': { expect: 'reply' },
  'ai-sdk-7.0.173/compatible-object-1.json': { expect: 'reply' },
  'ai-sdk-7.0.173/openai-error-1.json': { expect: 'failed' },
  'ai-sdk-7.0.173/anthropic-error-1.json': { expect: 'failed' },
  'ai-sdk-7.0.173/openai-cooling-1.json': { expect: 'cooling_now' },
  'ai-sdk-7.0.173/anthropic-cooling-1.json': { expect: 'cooling_now' },
  // anthropic-sdk-1.12.0
  'anthropic-sdk-1.12.0/messages-1.json': { expect: 'reply' },
  'anthropic-sdk-1.12.0/stream-1.json': { expect: 'reply' },
  'anthropic-sdk-1.12.0/tool-runner-1.json': { expect: { status: 400 } },
  'anthropic-sdk-1.12.0/tool-runner-2.json': { expect: 'tool_call' },
  'anthropic-sdk-1.12.0/tool-runner-3.json': { expect: 'reply' },
  'anthropic-sdk-1.12.0/thread-1.json': { expect: { status: 400 } },
  'anthropic-sdk-1.12.0/thread-unthreaded-1.json': { expect: { status: 400 } },
  'anthropic-sdk-1.12.0/thread-unthreaded-2.json': { expect: 'reply' },
  'anthropic-sdk-1.12.0/thread-unthreaded-3.json': { expect: 'reply' },
  'anthropic-sdk-1.12.0/count-tokens-1.json': { expect: { status: 200 } },
  'anthropic-sdk-1.12.0/error-1.json': { expect: 'failed' },
  'anthropic-sdk-1.12.0/cooling-1.json': { expect: 'cooling' },
  // claude-code-2.1.331
  'claude-code-2.1.331/text-1.json': { expect: 'reply' },
  'claude-code-2.1.331/tool-1.json': { expect: 'tool_call' },
  'claude-code-2.1.331/tool-2.json': { expect: 'reply' },
  'claude-code-2.1.331/error-1.json': { expect: 'failed' },
  'claude-code-2.1.331/cooling-1.json': { expect: 'cooling' },
  'claude-code-2.1.331/long-cooling-1.json': { expect: 'cooling' },
  // A `badkey` request is the client's usual first turn; replayed, it carries a key the gateway issued.
  'claude-code-2.1.331/badkey-1.json': { expect: 'reply' },
  // Two runs (`claude -p`, then `--continue`) with the compaction beta and its edit; `failover`'s third request went
  // to the fallback at capture. Via an OpenAI-compatible route the edit, under its trigger, is left out.
  'claude-code-2.1.331/compaction-beta-1.json': { expect: 'tool_call' },
  'claude-code-2.1.331/compaction-beta-2.json': { expect: 'reply' },
  'claude-code-2.1.331/compaction-beta-3.json': { expect: 'reply' },
  'claude-code-2.1.331/failover-1.json': { expect: 'tool_call' },
  'claude-code-2.1.331/failover-2.json': { expect: 'reply' },
  'claude-code-2.1.331/failover-3.json': { expect: 'reply' },
  // The model's side of the MCP cases (their /mcp side: replay-mcp.test.ts): the tool the prompt names called, its
  // result (or the gateway's refusal) answered.
  ...Object.fromEntries(
    ['mcp-tool', 'mcp-refused', 'mcp-token-expiry', 'mcp-stdio-crash'].flatMap((c): [string, Row][] => [
      [`claude-code-2.1.331/${c}-1.json`, { expect: 'tool_call' }],
      [`claude-code-2.1.331/${c}-2.json`, { expect: 'reply' }],
    ]),
  ),
  // codex-0.169.0
  'codex-0.169.0/mcp-tool-1.json': { expect: 'tool_call' },
  'codex-0.169.0/mcp-tool-2.json': { expect: 'reply' },
  'codex-0.169.0/mcp-refused-1.json': { expect: 'tool_call' },
  'codex-0.169.0/mcp-refused-2.json': { expect: 'reply' },
  // A `badkey` request is the client's usual first turn; replayed, it carries a key the gateway issued.
  'codex-0.169.0/badkey-1.json': { expect: 'reply' },
  'codex-0.169.0/cooling-1.json': { expect: 'cooling_400' },
  'codex-0.169.0/error-1.json': { expect: 'failed_400' },
  'codex-0.169.0/long-cooling-1.json': { expect: 'cooling_400' },
  'codex-0.169.0/output-schema-1.json': { expect: 'reply' },
  'codex-0.169.0/output-schema@anthropic-1.json': { expect: 'reply' },
  'codex-0.169.0/text-1.json': { expect: 'reply' },
  'codex-0.169.0/tool-1.json': { expect: 'tool_call' },
  'codex-0.169.0/tool-2.json': { expect: 'reply' },
  'codex-0.169.0/websocket-error-1.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket-error-2.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket-error-3.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket-error-4.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket-error-5.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket-error-6.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-1.json': { expect: 'turns' },
  'codex-0.169.0/websocket/websocket-compaction-1.json': { expect: 'turns' },
  'codex-0.169.0/websocket/websocket-error-1.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-error-2.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-error-3.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-error-4.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-error-5.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-error-6.json': { expect: 'failed_400' },
  'codex-0.169.0/websocket/websocket-failover-1.json': { expect: 'turns' },
  'codex-0.169.0/websocket/websocket-resume-1.json': { expect: 'turns' },
  'codex-0.169.0/websocket/websocket-resume-2.json': { expect: 'turns' },
  'codex-0.169.0/websocket/websocket-tool-1.json': { expect: 'turns' },
  // langchain-1.6.0
  'langchain-1.6.0/openai-text-1.json': { expect: 'reply' },
  'langchain-1.6.0/openai-stream-1.json': { expect: 'reply' },
  'langchain-1.6.0/openai-tool-1.json': { expect: 'tool_call' },
  'langchain-1.6.0/openai-tool-2.json': { expect: 'reply' },
  'langchain-1.6.0/openai-structured-1.json': { expect: 'reply' },
  'langchain-1.6.0/responses-text-1.json': { expect: 'reply' },
  'langchain-1.6.0/responses-stream-1.json': { expect: 'reply' },
  'langchain-1.6.0/responses-tool-1.json': { expect: 'tool_call' },
  'langchain-1.6.0/responses-tool-2.json': { expect: 'reply' },
  'langchain-1.6.0/responses-structured-1.json': { expect: 'reply' },
  'langchain-1.6.0/anthropic-text-1.json': { expect: 'reply' },
  'langchain-1.6.0/anthropic-stream-1.json': { expect: 'reply' },
  'langchain-1.6.0/anthropic-tool-1.json': { expect: 'tool_call' },
  'langchain-1.6.0/anthropic-tool-2.json': { expect: 'reply' },
  'langchain-1.6.0/anthropic-structured-1.json': { expect: 'tool_call' },
  'langchain-1.6.0/openai-error-1.json': { expect: 'failed' },
  'langchain-1.6.0/anthropic-error-1.json': { expect: 'failed' },
  'langchain-1.6.0/openai-cooling-1.json': { expect: 'cooling_429' },
  'langchain-1.6.0/anthropic-cooling-1.json': { expect: 'cooling_429' },
  // openai-7.57.0
  'openai-7.57.0/chat-1.json': { expect: 'reply' },
  'openai-7.57.0/chat-stream-1.json': { expect: 'reply' },
  'openai-7.57.0/chat-tool-1.json': { expect: 'tool_call' },
  'openai-7.57.0/chat-tool-2.json': { expect: 'reply' },
  'openai-7.57.0/parse-1.json': { expect: 'reply' },
  'openai-7.57.0/responses-1.json': { expect: 'reply' },
  'openai-7.57.0/responses-stream-1.json': { expect: 'reply' },
  'openai-7.57.0/responses-tool-1.json': { expect: 'tool_call' },
  'openai-7.57.0/responses-tool-2.json': { expect: 'reply' },
  'openai-7.57.0/error-1.json': { expect: 'failed' },
  'openai-7.57.0/cooling-1.json': { expect: 'cooling' },
  // openai-agents-0.20.0
  'openai-agents-0.20.0/text-1.json': { expect: 'reply' },
  'openai-agents-0.20.0/stream-1.json': { expect: 'reply' },
  'openai-agents-0.20.0/tool-1.json': { expect: 'tool_call' },
  'openai-agents-0.20.0/tool-2.json': { expect: 'reply' },
  'openai-agents-0.20.0/namespace-1.json': { expect: 'tool_call' },
  'openai-agents-0.20.0/namespace-2.json': { expect: 'reply' },
  'openai-agents-0.20.0/chat-tool-1.json': { expect: 'tool_call' },
  'openai-agents-0.20.0/chat-tool-2.json': { expect: 'reply' },
  // A conversation of two runs, the second sending the first's history; then the same with previousResponseId
  // (alone, and with the main route failing after the first call), which a replay cannot continue: the id was
  // another gateway's answer, so it is 400 previous_response_not_found.
  'openai-agents-0.20.0/history-1.json': { expect: 'tool_call' },
  'openai-agents-0.20.0/history-2.json': { expect: 'reply' },
  'openai-agents-0.20.0/history-3.json': { expect: 'tool_call' },
  'openai-agents-0.20.0/history-4.json': { expect: 'reply' },
  'openai-agents-0.20.0/previous-response-1.json': { expect: 'tool_call' },
  'openai-agents-0.20.0/previous-response-2.json': { expect: 'reply' },
  'openai-agents-0.20.0/previous-response-3.json': { expect: { status: 400 } },
  'openai-agents-0.20.0/previous-response-4.json': { expect: { status: 400 } },
  'openai-agents-0.20.0/previous-response-failover-1.json': { expect: 'reply' },
  'openai-agents-0.20.0/previous-response-failover-2.json': { expect: { status: 400 } },
  'openai-agents-0.20.0/previous-response-failover-3.json': { expect: { status: 400 } },
  'openai-agents-0.20.0/websocket/ws-failover-1.json': { expect: 'turns' },
  'openai-agents-0.20.0/websocket/ws-session-1.json': { expect: 'turns' },
  // A `badkey` request is the client's usual first turn; replayed, it carries a key the gateway issued.
  'openai-agents-0.20.0/badkey-1.json': { expect: 'reply' },
  'openai-agents-0.20.0/long-1.json': { expect: 'cooling' },
  'openai-agents-0.20.0/error-1.json': { expect: 'failed' },
  'openai-agents-0.20.0/cooling-1.json': { expect: 'cooling' },
  // opencode-1.18.33
  'opencode-1.18.33/text-1.json': { expect: 'reply' },
  'opencode-1.18.33/text-2.json': { expect: 'reply' },
  'opencode-1.18.33/tool-1.json': { expect: 'reply' },
  'opencode-1.18.33/tool-2.json': { expect: 'tool_call' },
  'opencode-1.18.33/tool-3.json': { expect: 'reply' },
  'opencode-1.18.33/error-1.json': { expect: 'failed' },
  'opencode-1.18.33/error-2.json': { expect: 'failed' },
  'opencode-1.18.33/cooling-1.json': { expect: 'cooling_now' },
  'opencode-1.18.33/cooling-2.json': { expect: 'cooling_now' },
};

/** A turn right after a compaction is an answer, a reply or a tool call: the simulator reads the summary it is sent
 * in the conversation's place, which says different things on different routes. */
const isAnswer = (k: string): boolean => k === 'reply' || k === 'tool_call';
const afterCompaction = (kinds: readonly string[], i: number): boolean => kinds[i - 1] === 'compaction';

const fixtures = loadFixtures();
const sockets = loadSocketFixtures();

let viaOpenAI: Harness;
let viaAnthropic: Harness;
let failing: Harness;
let cooling: Harness;

type Upstream = 'answering' | 'rejected' | 'rate-limited';
const KEY: Record<Upstream, Record<string, unknown>> = {
  answering: {},
  rejected: { valid: false },
  'rate-limited': { script: ['429'], loop_script: true, reset: '10m', reset_headers: ['retry-after'] },
};

/** A gateway whose main route is the simulator behind one API, and every model name a client sends an alias of it
 * (as docs/clients.md sets it up). */
function gateway(type: 'openai' | 'anthropic', upstream: Upstream = 'answering'): Promise<Harness> {
  return startHarness({
    scenario: { keys: { 'sk-replay-upstream-0001': KEY[upstream] } },
    config: (sim) => ({
      providers: { up: simProvider(sim, type, 'sk-replay-upstream-0001') },
      main: { provider: 'up', model: 'sim-large' },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
      gateway: { aliases: { '*': 'main' } },
    }),
  });
}

before(async () => {
  [viaOpenAI, viaAnthropic, failing, cooling] = await Promise.all([
    gateway('openai'),
    gateway('anthropic'),
    gateway('openai', 'rejected'),
    gateway('openai', 'rate-limited'),
  ]);
});
after(async () => {
  await Promise.all([viaOpenAI.close(), viaAnthropic.close(), failing.close(), cooling.close()]);
});

const gw = (h: Harness): Gateway => ({ url: h.url, key: h.key });

function check(answer: Answer, expect: Expect, where: string): void {
  if (typeof expect === 'object') {
    assert.equal(answer.status, expect.status, `${where}: ${JSON.stringify(answer)}`);
    return;
  }
  if (isFailed(expect)) {
    assert.equal(
      answer.kind,
      'error',
      `${where}: expected the every-route-failed error, got ${JSON.stringify(answer)}`,
    );
    assert.equal(answer.status, expect === 'failed_400' ? 400 : 502);
    assert.equal(answer.shouldRetry, 'false', 'the gateway tells the SDK not to retry what it has retried already');
    assert.match(answer.message, /every route failed|rejected/);
    return;
  }
  if (isCooling(expect)) {
    assert.equal(answer.kind, 'error', `${where}: expected every key cooling, got ${JSON.stringify(answer)}`);
    assert.equal(answer.status, { cooling_429: 429, cooling_400: 400, cooling: 503, cooling_now: 503 }[expect]);
    assert.equal(answer.shouldRetry, 'false', 'a 10 min cooldown is not for the client to wait out');
    assert.match(answer.message, /rate-limited/);
    if (expect === 'cooling') assert.match(answer.retryAfter ?? '', /^[1-9]\d*$/, 'the 503 says when to come back');
    else assert.equal(answer.retryAfter, null, 'no wait for a client that ignores x-should-retry to sit through');
    assert.equal(answer.retryAfterMs, expect === 'cooling_now' ? '0' : null);
    return;
  }
  assert.equal(answer.kind, 'answer', `${where}: expected an answer, got ${JSON.stringify(answer)}`);
  if (expect === 'tool_call') {
    assert.ok(answer.toolCalls.length > 0, `${where}: expected a tool call, got ${JSON.stringify(answer)}`);
    assert.match(answer.finish, /^(tool_use|tool_calls|completed)$/);
  } else {
    assert.deepEqual(answer.toolCalls, [], `${where}: expected no tool call`);
    assert.match(
      answer.text,
      /reply to:|got tool result:|^Sim title:|^\{/,
      `${where}: expected the simulator's answer, got ${JSON.stringify(answer.text)}`,
    );
  }
}

test('every captured fixture has a row in the table, and every row a fixture', () => {
  assert.deepEqual(
    [...fixtures.keys(), ...sockets.keys()].filter((k) => !(k in TABLE)),
    [],
    'fixtures without a row (add them to TABLE)',
  );
  assert.deepEqual(
    Object.keys(TABLE).filter((k) => !fixtures.has(k) && !sockets.has(k)),
    [],
    'rows without a fixture',
  );
});

/** A WebSocket capture's tests: `turns` replayed via each route shape, each turn as at capture; `failed` against the
 * gateway whose every route fails, each turn but a warm-up the every-route-failed error event (502). */
function socketTests(file: string, socket: SocketFixture, row: Row): void {
  const title = `${socket.client} ${socket.version} · ${socket.case}: over the WebSocket`;
  const opts = row.skip ? { skip: row.skip } : {};
  if (isFailed(row.expect)) {
    const status = row.expect === 'failed_400' ? 400 : 502;
    test(`${title} — every route failing`, opts, async () => {
      const turns = await replaySocket(socket, gw(failing));
      assert.ok(turns.length > 0, file);
      for (const t of turns) if (t.kind !== 'warm-up') assert.equal(t.kind, `error ${status}`, `${file}: ${t.last}`);
    });
    return;
  }
  for (const [h, label] of [
    [(): Harness => viaOpenAI, 'an OpenAI-compatible route'],
    [(): Harness => viaAnthropic, 'an Anthropic route'],
  ] as const)
    test(`${title} — via ${label}`, opts, async () => {
      const turns = await replaySocket(socket, gw(h()));
      const captured = capturedTurns(socket);
      assert.deepEqual(
        turns.map((t, i) => (afterCompaction(captured, i) && isAnswer(t.kind) ? 'an answer' : t.kind)),
        captured.map((k, i) => (afterCompaction(captured, i) && isAnswer(k) ? 'an answer' : k)),
        `${file}: each turn as at capture; the last events: ${turns.map((t) => t.last).join(' / ')}`,
      );
      // A compaction turn is answered with exactly one item, the compaction (what Codex reads back).
      for (const t of turns.filter((t) => t.kind === 'compaction')) assert.deepEqual(t.output, ['compaction']);
    });
}

for (const [file, row] of Object.entries(TABLE)) {
  const socket = sockets.get(file);
  if (socket !== undefined) {
    socketTests(file, socket, row);
    continue;
  }
  const f = fixtures.get(file);
  if (!f) continue;
  const title = `${f.client} ${f.version} · ${f.case} #${f.seq}: ${f.request.method} ${f.request.path.split('?')[0] ?? ''}`;
  const opts = row.skip ? { skip: row.skip } : {};
  if (isFailed(row.expect) || isCooling(row.expect)) {
    const [world, label] = isFailed(row.expect)
      ? [(): Harness => failing, 'every route failing']
      : [(): Harness => cooling, 'every key rate-limited'];
    test(`${title} — ${label}`, opts, async () => check(await replay(f, gw(world())), row.expect, file));
    continue;
  }
  test(`${title} — via an OpenAI-compatible route`, opts, async () =>
    check(await replay(f, gw(viaOpenAI)), row.expect, `${file} (openai route)`),
  );
  test(`${title} — via an Anthropic route`, opts, async () =>
    check(await replay(f, gw(viaAnthropic)), row.expect, `${file} (anthropic route)`),
  );
}

// Retry hints on captured requests: what Claude Code (which obeys x-should-retry) and Codex sent, replayed with a
// key the gateway never issued, and against keys cooling longer and shorter than gateway.client_retry_max_wait.
// Codex, which would retry a 401 five times, is told it as a 400 (src/gateway/answer/client-retry.ts).
const HINTED = { 'claude-code-2.1.331/text-1.json': 401, 'codex-0.169.0/text-1.json': 400 };

for (const [file, status] of Object.entries(HINTED)) {
  test(`${file} with a wrong client key: ${status}, x-should-retry: false, the gateway's explanation`, async () => {
    const f = fixtures.get(file);
    assert.ok(f, file);
    const answer = await replay(f, { url: viaOpenAI.url, key: 'sy-not-issued-by-this-gateway-0000' });
    assert.equal(answer.kind, 'error', JSON.stringify(answer));
    assert.equal(answer.status, status);
    assert.equal(answer.shouldRetry, 'false');
    // Not the words Claude Code swaps for its own "Invalid API key · Fix external API key".
    assert.doesNotMatch(answer.message, /x-api-key/i);
    assert.match(answer.message, /invalid or revoked gateway key/);
  });
}

test('claude-code-2.1.331/text-1.json with every key cooling: past client_retry_max_wait x-should-retry: false, within it Retry-After alone', async () => {
  const f = fixtures.get('claude-code-2.1.331/text-1.json');
  assert.ok(f);
  const long = await replay(f, gw(cooling));
  assert.equal(long.kind, 'error', JSON.stringify(long));
  assert.equal(long.status, 503);
  assert.equal(long.shouldRetry, 'false', 'a 10 min cooldown: Claude Code shows it at once');
  assert.match(long.retryAfter ?? '', /^[1-9]\d*$/);
  await using brief = await startHarness({
    scenario: {
      keys: {
        'sk-replay-upstream-0001': { script: ['429'], loop_script: true, reset: '2s', reset_headers: ['retry-after'] },
      },
    },
    config: (sim) => ({
      providers: { up: simProvider(sim, 'openai', 'sk-replay-upstream-0001') },
      main: { provider: 'up', model: 'sim-large' },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
      gateway: { aliases: { 'claude-*': 'main' } },
    }),
  });
  const short = await replay(f, gw(brief));
  assert.equal(short.kind, 'error', JSON.stringify(short));
  assert.equal(short.status, 503);
  assert.equal(short.shouldRetry, null, 'a 2 s cooldown: Claude Code rides it out');
  assert.match(short.retryAfter ?? '', /^[12]$/);
});
