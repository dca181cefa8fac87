// What `npm run test:clients` runs: one row per client and case — the command (a real CLI, or a driver script using
// a real library), which gateway it talks to, and what its output must show. Each client keeps its default
// settings; only the gateway's URL and key are given, the way docs/clients.md says.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, bin } from './install.ts';
import { WORKDIR } from './home.ts';
import type { Exchange } from '../record.ts';
import { FALLBACK_MODEL, MAIN_MODEL, type World, type WorldName } from './world.ts';

export interface CaseContext {
  /** The recording proxy in front of the gateway. */
  url: string;
  key: string;
}

export interface Command {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  /** The project directory it runs in, when not the shared one (WORKDIR). */
  cwd?: string;
}

export interface RunOutcome {
  /** The first turn's exit code that was not 0, else 0. */
  code: number | null;
  /** Every turn's output, in order. */
  output: string;
  exchanges: Exchange[];
  /** The exchanges of each turn (one per run of the client), in order. */
  turns: Exchange[][];
  /** How long the client ran. */
  seconds: number;
  /** How long it ran on after its first request reached the gateway (its own start-up left out). */
  afterFirstRequest: number;
}

export interface LiveCase {
  /** As the results table names it. */
  client: string;
  /** The package whose pinned version the row shows. */
  pkg: string;
  /** Fixture folder prefix: test/fixtures/clients/<fixtures>-<version>/. */
  fixtures: string;
  name: string;
  world: WorldName;
  command(ctx: CaseContext): Command;
  /** Done before the first run (a fault switched on). */
  before?: (w: WorldControl) => void;
  /** The conversation's later turns: each another run of the client, after its own `before`. */
  then?: readonly Turn[];
  /** Undefined when the outcome is right; otherwise why not. */
  check(o: RunOutcome): string | undefined;
  /** Checked after `check` passed, on the world the case ran in (the gateway's ledger): undefined when right. */
  after?: (w: WorldControl) => Promise<string | undefined>;
  timeoutMs?: number;
}

export interface Turn {
  command(ctx: CaseContext): Command;
  before?: (w: WorldControl) => void;
}

export type WorldControl = Pick<World, 'fault' | 'mcp'>;

const TELEMETRY_OFF = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_ERROR_REPORTING: '1',
};
const OPENCODE_QUIET = {
  OPENCODE_DISABLE_AUTOUPDATE: '1',
  OPENCODE_DISABLE_MODELS_FETCH: '1',
  OPENCODE_DISABLE_SHARE: '1',
};

const claude =
  (prompt: string) =>
  (ctx: CaseContext): Command => ({
    cmd: bin('claude'),
    args: ['-p', prompt],
    env: { ANTHROPIC_BASE_URL: ctx.url, ANTHROPIC_API_KEY: ctx.key, ...TELEMETRY_OFF },
  });

const codex =
  (prompt: string) =>
  (ctx: CaseContext): Command => ({
    cmd: bin('codex'),
    args: ['exec', '--skip-git-repo-check', prompt],
    env: { SWITCHYARD_KEY: ctx.key },
  });

const opencode =
  (prompt: string) =>
  (ctx: CaseContext): Command => ({
    cmd: bin('opencode'),
    args: ['run', prompt],
    env: { SWITCHYARD_KEY: ctx.key, ...OPENCODE_QUIET },
  });

/** Claude Code with the gateway's /mcp added as docs/clients.md says (`claude mcp add --transport http … --header`),
 * then asked to use one of its tools; `--allowedTools` stands for the user's yes to Claude Code's permission prompt. */
const claudeMcp =
  (prompt: string, tool: string) =>
  (ctx: CaseContext): Command => ({
    cmd: '/bin/sh',
    args: [
      '-c',
      '"$CLAUDE" mcp remove -s user switchyard >/dev/null 2>&1; ' +
        '"$CLAUDE" mcp add -s user --transport http switchyard "$MCP_URL" --header "Authorization: Bearer $MCP_KEY" >/dev/null && ' +
        'exec "$CLAUDE" -p "$PROMPT" --allowedTools "$TOOL"',
    ],
    env: {
      ...claude(prompt)(ctx).env,
      // Claude Code otherwise offers MCP tools only through its tool search, which the simulator's model does not use.
      ENABLE_TOOL_SEARCH: 'false',
      // In -p mode Claude Code 2.1 connects to HTTP MCP servers without waiting: its first request, about two seconds
      // in, offered none of /mcp's tools whenever the connection took longer (a busy machine, the gateway connecting
      // its remote server for the first list). 0 makes it wait for the connection first, as docs/clients.md says.
      MCP_CONNECTION_NONBLOCKING: '0',
      CLAUDE: bin('claude'),
      MCP_URL: `${ctx.url}/mcp`,
      MCP_KEY: ctx.key,
      PROMPT: prompt,
      TOOL: tool,
    },
  });

/** Codex with docs/clients.md's `[mcp_servers.switchyard]` (url, bearer_token_env_var, default_tools_approval_mode),
 * given as `-c` overrides so that only this case's Codex connects to /mcp, and with the gateway's task name as its
 * model (`-m main`): for a model of its own catalog (its default gpt-6.1-sol) Codex 0.169 offers MCP tools only inside
 * its code-mode `exec` tool (or, gpt-5.5, behind `tool_search`); for a model it does not know, as plain function tools
 * (the `mcp__switchyard` namespace). `approve` stands for the user's yes: `codex exec` cannot ask. */
const codexMcp =
  (prompt: string) =>
  (ctx: CaseContext): Command => ({
    ...codex(prompt)(ctx),
    args: [
      'exec',
      '--skip-git-repo-check',
      '-m',
      'main',
      '-c',
      `mcp_servers.switchyard.url="${ctx.url}/mcp"`,
      '-c',
      'mcp_servers.switchyard.bearer_token_env_var="SWITCHYARD_KEY"',
      '-c',
      'mcp_servers.switchyard.default_tools_approval_mode="approve"',
      prompt,
    ],
  });

/** `name@task`: the driver's case `name`, asking the gateway's `task` instead of `main` (`@anthropic`: the task
 * whose one route is Anthropic's, for the route shape a case would otherwise not meet). */
const driver =
  (file: string, name: string) =>
  (ctx: CaseContext): Command => {
    const [base = name, task] = name.split('@');
    return {
      cmd: process.execPath,
      args: [join(CACHE, 'drivers', file), base],
      env: { SWITCHYARD_URL: ctx.url, SWITCHYARD_KEY: ctx.key, ...(task ? { SWITCHYARD_MODEL: task } : {}) },
    };
  };

/** Codex's built-in `openai` provider with only its base URL and key pointed at the gateway (docs/clients.md): it
 * speaks the Responses WebSocket. `model_provider` undoes the HOME's provider of its own. */
const codexBuiltIn =
  (prompt: string, config: readonly string[] = []) =>
  (ctx: CaseContext): Command => ({
    cmd: bin('codex'),
    args: [
      'exec',
      '--skip-git-repo-check',
      '-c',
      'model_provider="openai"',
      '-c',
      `openai_base_url="${ctx.url}/v1"`,
      ...config.flatMap((c) => ['-c', c]),
      prompt,
    ],
    env: { CODEX_API_KEY: ctx.key },
  });

/** `codex exec resume --last`: the next turn of the conversation the last run began, as a user continues it. */
const codexResume =
  (prompt: string, config: readonly string[] = []) =>
  (ctx: CaseContext): Command => {
    const c = codexBuiltIn(prompt, config)(ctx);
    return { ...c, args: [...c.args.slice(0, -1), 'resume', '--last', prompt] };
  };

/** Claude Code asking for server-side compaction, as a user turns it on: the beta in `ANTHROPIC_BETAS` and the
 * `compact_20260112` edit in `CLAUDE_CODE_EXTRA_BODY` (Claude Code 2.1.331 sends neither by itself). `--continue`
 * makes the run the next turn of the last conversation. */
const COMPACTION_BETA = 'compact-2026-01-12';
const claudeCompacting =
  (prompt: string, next = false) =>
  (ctx: CaseContext): Command => {
    const c = claude(prompt)(ctx);
    return {
      ...c,
      args: next ? ['-p', '--continue', prompt] : c.args,
      env: {
        ...c.env,
        ANTHROPIC_BETAS: COMPACTION_BETA,
        CLAUDE_CODE_EXTRA_BODY: JSON.stringify({
          context_management: {
            edits: [{ type: 'compact_20260112', trigger: { type: 'input_tokens', value: 50_000 } }],
          },
        }),
      },
    };
  };

/** A project whose CLAUDE.md is ~110k tokens, so every request of Claude Code's is over the 50,000-token trigger and
 * the simulator compacts it, as Anthropic does: the answer opens with a `compaction` block. A directory of its own,
 * so no other case carries the file (and `--continue` finds this conversation). */
const COMPACTING_DIR = join(WORKDIR, '..', 'switchyard-clients-compacting');
function compactingProject(): string {
  const notes = join(COMPACTING_DIR, 'CLAUDE.md');
  if (!existsSync(notes)) {
    mkdirSync(COMPACTING_DIR, { recursive: true });
    const words = ['gateway', 'route', 'key', 'fallback', 'budget', 'ledger', 'stream', 'token', 'model', 'retry'];
    const lines = Array.from(
      { length: 6000 },
      (_, i) => `- note ${i}: ${Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ')}`,
    );
    writeFileSync(notes, `# Project notes\n${lines.join('\n')}\n`);
  }
  return COMPACTING_DIR;
}

const claudeCompacted =
  (prompt: string, next = false) =>
  (ctx: CaseContext): Command => ({ ...claudeCompacting(prompt, next)(ctx), cwd: compactingProject() });

/** The conversation was compacted upstream and Claude Code carried the `compaction` block into the next run's
 * request. */
function compactionSentBack(routes: (o: RunOutcome) => string | undefined) {
  return (o: RunOutcome): string | undefined => {
    const next = (o.turns[1] ?? []).filter((e) => e.request.path.startsWith('/v1/messages'));
    const carried = next.some((e) => hasCompactionBlock(e.request.body));
    if (!carried) return 'the second run did not send the compaction block back';
    return compactionBetaCarried(routes)(o);
  };
}

/** A Messages body with a `compaction` block in one of its messages. Claude Code 2.1.331 sends it back with
 * `content: null`: it keeps the block from its `content_block_start` and ignores the `compaction_delta` that carries
 * the summary (docs/clients.md#claude-code), which Anthropic reads as a compaction that failed. */
function hasCompactionBlock(body: unknown): boolean {
  const messages = (body as { messages?: { content?: unknown }[] } | undefined)?.messages ?? [];
  return messages.some(
    (m) =>
      Array.isArray(m.content) &&
      (m.content as { type?: unknown; content?: unknown }[]).some((b) => b.type === 'compaction'),
  );
}

/** Over the WebSocket, and Codex compacted the conversation (its remote compaction: `context compacted`). */
function compactedOverWebSocket(o: RunOutcome): string | undefined {
  return (
    overWebSocket(o) ?? (/context compacted/.test(o.output) ? undefined : 'Codex did not compact the conversation')
  );
}

/** The schema Codex's `--output-schema` holds its last message to (strict, as Codex requires). */
const RATING_SCHEMA = {
  type: 'object',
  properties: { title: { type: 'string' }, score: { type: 'number' } },
  required: ['title', 'score'],
  additionalProperties: false,
};

/** `codex exec --output-schema`, on the task `model` (`anthropic`: an Anthropic route). */
const codexSchema =
  (model: string) =>
  (ctx: CaseContext): Command => {
    const schema = join(WORKDIR, 'rating.schema.json');
    writeFileSync(schema, JSON.stringify(RATING_SCHEMA));
    const c = codex('rate this gateway as json')(ctx);
    return { ...c, args: ['exec', '--skip-git-repo-check', '-m', model, '--output-schema', schema, c.args.at(-1)!] };
  };

// --- checks ---

const has =
  (re: RegExp, what: string) =>
  (o: RunOutcome): string | undefined =>
    o.code === 0 && re.test(o.output) ? undefined : `expected ${what}; got exit ${o.code}: ${lastLine(o.output)}`;

/** A library's conversation of two runs (the driver prints `turn 1: …` and `turn 2: …`), each with its tool's
 * result answered; over the Responses WebSocket (`socket`: every turn on one upgraded connection) or over HTTP. */
const conversed =
  (socket: boolean) =>
  (o: RunOutcome): string | undefined => {
    if (o.code !== 0) return `expected two turns; got exit ${o.code}: ${errorLine(o.output)}`;
    if (!/^turn 1: .*got tool result:/m.test(o.output) || !/^turn 2: .*got tool result:/m.test(o.output))
      return `expected both turns answered: ${lastLine(o.output)}`;
    if (!socket) return undefined;
    const upgraded = o.exchanges.filter((e) => e.request.method === 'GET' && e.answered.status === 101);
    if (upgraded.length !== 1) return `expected one WebSocket, got ${upgraded.length}`;
    return stayedOnSocket(o);
  };

/** The client gives up with the error `re` matches (a refusal it is meant to see). */
const refused =
  (re: RegExp, what: string) =>
  (o: RunOutcome): string | undefined =>
    o.code !== 0 && re.test(o.output) ? undefined : `expected ${what}; got exit ${o.code}: ${lastLine(o.output)}`;

// The simulator's answers: a reply, a title (Claude Code's system prompt mentions titles), or a tool result's echo.
const answered = has(/reply to:|Sim title:|got tool result:/, 'an answer');
const streamed = has(/^[2-9]\d* deltas: .*reply to:/m, 'an answer in several deltas');
const structured = has(/^object \{"title":"[^"]*","score":-?[\d.]+\}/m, 'an object matching the schema');
const toolRan = has(
  /tool results: sunny in .*got tool result: sunny in/,
  'the tool to run and its result to be answered',
);

/** A coding agent's tool round trip: the model called a tool, the agent sent its result back, and the answer to that
 * ended the turn. Whether the tool liked the simulator's arguments (made from the schema, not meant to be useful) is
 * the agent's business. */
function agentToolRan(o: RunOutcome): string | undefined {
  const bad = answered(o);
  if (bad) return bad;
  return o.exchanges.some((e) => TOOL_RESULT.test(JSON.stringify(e.request.body)))
    ? undefined
    : 'no tool result was sent back (the model called no tool, or the agent did not run it)';
}

/** Codex's built-in provider: the turn went over the Responses WebSocket (an upgrade the gateway switched, 101), and
 * never fell back to HTTP (a POST /v1/responses would mean the socket failed). */
function overWebSocket(o: RunOutcome): string | undefined {
  const bad = answered(o);
  if (bad) return bad;
  const upgraded = o.exchanges.some((e) => e.request.method === 'GET' && e.answered.status === 101);
  if (!upgraded) return 'no WebSocket upgrade was answered 101';
  return o.exchanges.some((e) => e.request.method === 'POST' && e.request.path.startsWith('/v1/responses'))
    ? 'Codex fell back from the WebSocket to HTTP'
    : undefined;
}

/** The model that answered each turn sent over a WebSocket (its `response.completed`), in order; a warm-up has none. */
function socketModels(exchanges: readonly Exchange[]): string[] {
  return exchanges.flatMap((e) =>
    (e.frames ?? []).flatMap((f) => {
      if (!('answered' in f)) return [];
      const event = f.answered as { type?: unknown; response?: { model?: unknown; output?: unknown[] } };
      if (event.type !== 'response.completed' || (event.response?.output ?? []).length === 0) return [];
      return [String(event.response?.model)];
    }),
  );
}

/** What the client sent over its WebSockets, each `response.create` whole. */
function socketSent(exchanges: readonly Exchange[]): Record<string, unknown>[] {
  return exchanges.flatMap((e) =>
    (e.frames ?? []).flatMap((f) => ('sent' in f ? [f.sent as Record<string, unknown>] : [])),
  );
}

/** The failover world's main route answered the first turn; its fallback every turn after the fault, one of them a
 * turn that continued the conversation by `previous_response_id` — rebuilt by the gateway for the fallback. */
function failedOverOnSocket(o: RunOutcome): string | undefined {
  const models = socketModels(o.exchanges);
  if (models[0] !== MAIN_MODEL) return `the first turn was not answered by the main route: ${models.join(', ')}`;
  const fallback = models.indexOf(FALLBACK_MODEL);
  if (fallback < 0) return `no turn was answered by the fallback: ${models.join(', ')}`;
  if (models.slice(fallback).some((m) => m !== FALLBACK_MODEL))
    return `the main route answered again after failing: ${models.join(', ')}`;
  const generating = socketSent(o.exchanges).filter((s) => s['generate'] !== false);
  return generating.slice(1).some((s) => typeof s['previous_response_id'] === 'string')
    ? undefined
    : 'no turn after the first continued by previous_response_id';
}

/** A conversation of runs (`then`): each answered, and each later run sent the earlier turns' tool results. */
function carriedOn(o: RunOutcome): string | undefined {
  const bad = answered(o);
  if (bad) return bad;
  if (o.code !== 0 || o.turns.length < 2) return `expected ${o.turns.length} runs to succeed`;
  for (const [i, turn] of o.turns.entries()) {
    if (turn.length === 0) return `turn ${i + 1} sent nothing`;
    if (i > 0 && !turn.some((e) => TOOL_RESULT.test(JSON.stringify(e.request.body ?? e.frames))))
      return `turn ${i + 1} reached the gateway without the first turn's tool result (the history was dropped)`;
  }
  return undefined;
}

/** Codex's conversation went on over the WebSocket: its second run, a new connection, answered by the fallback
 * after the main route began failing between the runs, with the first run's tool call in its input. */
function resumedOnFallback(o: RunOutcome): string | undefined {
  const bad = carriedOn(o) ?? stayedOnSocket(o);
  if (bad) return bad;
  const [first = [], second = []] = o.turns;
  const before = socketModels(first);
  const after = socketModels(second);
  if (before.length === 0 || before.some((m) => m !== MAIN_MODEL))
    return `the first run was not answered by the main route alone: ${before.join(', ')}`;
  return after.length > 0 && after.every((m) => m === FALLBACK_MODEL)
    ? undefined
    : `the second run was not answered by the fallback alone: ${after.join(', ')}`;
}

/** Over the WebSocket (no turn fell back to HTTP) — the check `overWebSocket` makes, without its answer check. */
function stayedOnSocket(o: RunOutcome): string | undefined {
  return o.exchanges.some((e) => e.request.method === 'POST' && e.request.path.startsWith('/v1/responses'))
    ? 'the client fell back from the WebSocket to HTTP'
    : undefined;
}

/** Claude Code's compaction beta reached the gateway in every request, with its edit, and a later turn carried on. */
function compactionBetaCarried(routes: (o: RunOutcome) => string | undefined) {
  return (o: RunOutcome): string | undefined => {
    const bad = carriedOn(o);
    if (bad) return bad;
    const messages = o.exchanges.filter(
      (e) => e.request.path.startsWith('/v1/messages?') || e.request.path === '/v1/messages',
    );
    const without = messages.filter(
      (e) =>
        !(e.request.headers['anthropic-beta'] ?? '').includes(COMPACTION_BETA) ||
        !JSON.stringify(e.request.body).includes('"compact_20260112"'),
    );
    if (without.length > 0)
      return `${without.length} of ${messages.length} requests went without the compaction beta and edit`;
    return routes(o);
  };
}

/** Every answer of each turn came from the route the world should have used then: its main route, or (`failAt`: the
 * turn the fault came before) its fallback from that turn on. */
function answeredBy(failAt?: number) {
  return (o: RunOutcome): string | undefined => {
    for (const [i, turn] of o.turns.entries()) {
      const want = failAt !== undefined && i >= failAt ? FALLBACK_MODEL : MAIN_MODEL;
      const routes = turn.flatMap((e) => (e.answered.route === undefined ? [] : [e.answered.route]));
      const wrong = routes.filter((r) => !r.endsWith(`/${want}`));
      if (routes.length === 0 || wrong.length > 0)
        return `turn ${i + 1} was answered by ${routes.join(', ') || 'no route'}, not the ${want} route alone`;
    }
    return undefined;
  };
}

/** An exchange with /mcp whose JSON-RPC method is `method`, answered 200. */
const mcpAnswered = (o: RunOutcome, method: string): boolean =>
  o.exchanges.some(
    (e) =>
      e.request.path.startsWith('/mcp') &&
      JSON.stringify(e.request.body).includes(`"method":"${method}"`) &&
      e.answered.status === 200,
  );

/** What the agent sent the model after its MCP call: the tool result of its last request to a model route. */
function toolResultSent(o: RunOutcome): string | undefined {
  const sent = o.exchanges
    .filter((e) => !e.request.path.startsWith('/mcp'))
    .map((e) => JSON.stringify(e.request.body ?? ''))
    .filter((body) => TOOL_RESULT.test(body))
    .at(-1);
  return sent?.slice(sent.search(TOOL_RESULT));
}

/** The tools the agent offered the model (the names in its first request to a model route with any). */
function toolsOffered(o: RunOutcome): string[] {
  for (const e of o.exchanges) {
    if (e.request.path.startsWith('/mcp')) continue;
    const names = [...JSON.stringify(e.request.body ?? '').matchAll(/"name":"([^"]+)"/g)].map((m) => m[1] ?? '');
    if (names.length > 0) return names;
  }
  return [];
}

/** The agent listed the gateway's MCP tools — the model offered those its key allows (`allowed`) and none of those
 * it does not (`outside`) —, called one (a `tools/call` answered 200) and sent its result back to the model: the
 * tool's answer (`ok`), or the gateway's refusal (`refused`). */
const mcpCalled =
  (expect: 'ok' | 'refused', allowed: readonly string[], outside: readonly string[]) =>
  (o: RunOutcome): string | undefined => {
    const bad = answered(o);
    if (bad) return bad;
    if (!mcpAnswered(o, 'tools/list')) return 'the agent did not list the tools of /mcp';
    // Claude Code listens for list changes (MCP 2026-07-28's subscriptions/listen): its answer is a stream.
    const listens = o.exchanges.filter((e) =>
      JSON.stringify(e.request.body).includes('"method":"subscriptions/listen"'),
    );
    if (listens.some((e) => !e.answered.contentType.includes('text/event-stream')))
      return 'a subscriptions/listen was not answered with its stream';
    const offered = toolsOffered(o);
    const missing = allowed.filter((t) => !offered.some((n) => n.endsWith(t)));
    if (missing.length > 0) return `the model was not offered ${missing.join(', ')} (allowed by the key)`;
    const leaked = outside.filter((t) => offered.some((n) => n.endsWith(t)));
    if (leaked.length > 0) return `the model was offered ${leaked.join(', ')} (outside the key's list)`;
    if (!mcpAnswered(o, 'tools/call')) return 'no tools/call reached /mcp (the model was not offered the tool)';
    const result = toolResultSent(o);
    if (result === undefined) return 'the tool result was not sent back to the model';
    const refusal = /is not available/.test(result);
    if (expect === 'refused') return refusal ? undefined : `the call was not refused: ${result.slice(0, 160)}`;
    return refusal || /MCP server \S+ (failed|did not answer)/.test(result)
      ? `the call failed: ${result.slice(0, 160)}`
      : undefined;
  };

/** The gateway's ledger, as `switchyard usage --by tool` prints it, has the row `row` matches (`what` says which). */
const ledgerShows =
  (row: RegExp, what: string) =>
  async (w: WorldControl): Promise<string | undefined> => {
    const text = await w.mcp.usageByTool(row);
    return row.test(text) ? undefined : `usage --by tool did not show ${what}: ${lastLine(text)}`;
  };

/** A tool's row of `usage --by tool`: its calls, and how many of them failed (`0`, or `[1-9]\d*` for some). */
const toolRow = (tool: string, failed: string): RegExp => new RegExp(`^${tool}\\s+\\d+\\s+${failed}\\s`, 'm');

/** A tool's result in a request, in any of the three APIs. */
const TOOL_RESULT = /"type":"(tool_result|function_call_output|custom_tool_call_output)"|"role":"tool"/;

/** Every route failing: the client gives up with an error that carries the gateway's explanation. */
function failedClearly(o: RunOutcome): string | undefined {
  if (o.code === 0) return `expected a failure; exit 0: ${lastLine(o.output)}`;
  return /every route failed|rejected key|never (been )?accepted|upstream_auth_failed/.test(o.output)
    ? undefined
    : `failed without the gateway's explanation: ${errorLine(o.output)}`;
}

/** An answer a retry cannot change (a wrong client key, a long cooldown): shown with the gateway's explanation
 * (`re`) within `CLEAR_WITHIN_SECONDS` of the first request, not after the client's retries. */
const CLEAR_WITHIN_SECONDS = 15;
const shownAtOnce =
  (re: RegExp) =>
  (o: RunOutcome): string | undefined => {
    if (o.code === 0) return `expected a failure; exit 0: ${lastLine(o.output)}`;
    if (!re.test(o.output)) return `failed without the gateway's explanation: ${errorLine(o.output)}`;
    // Counted from the first request: how long the client takes to start (OpenCode: seconds, on a busy machine
    // half a minute) is not the failure's doing.
    return o.afterFirstRequest <= CLEAR_WITHIN_SECONDS
      ? undefined
      : `shown only ${o.afterFirstRequest.toFixed(1)}s after its first request (more than ${CLEAR_WITHIN_SECONDS}s)`;
  };
const wrongKeyShown = shownAtOnce(/invalid or revoked gateway key/);
// The first answer says `every route failed; … rate-limited key …`, a retry's `every key … rate-limited until …`.
const longCoolingShown = shownAtOnce(/every route failed|rate-limited (key|until)/);

/** The agent's last message is JSON of RATING_SCHEMA (Codex prints it alone on the last line). */
function ratingJson(o: RunOutcome): string | undefined {
  if (o.code !== 0) return `expected the answer; got exit ${o.code}: ${errorLine(o.output)}`;
  const line = lastLine(o.output);
  try {
    const v = JSON.parse(line) as { title?: unknown; score?: unknown };
    return typeof v.title === 'string' && typeof v.score === 'number' && Object.keys(v).length === 2
      ? undefined
      : `JSON, but not of the schema: ${line}`;
  } catch {
    return `not JSON: ${line}`;
  }
}

/** The second turn of a beta thread went out with the whole conversation (the gateway keeps none). */
function threadCarried(o: RunOutcome): string | undefined {
  const bad = answered(o);
  if (bad) return bad;
  const last = o.exchanges.at(-1)?.request.body as { messages?: unknown[] } | undefined;
  return (last?.messages?.length ?? 0) >= 3
    ? undefined
    : 'the second turn reached the gateway without the first (the history was dropped)';
}

/** The line that says what went wrong (the last that mentions an error or failure), else the last. */
export function errorLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /error|fail/i.test(l) && !/^\(node:/.test(l))
    .at(-1);
  return line === undefined ? lastLine(text) : shorten(line);
}

function shorten(line: string): string {
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/** The output's last line that says something (the answer, or the error), without the runtimes' warnings. */
export function lastLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(
        (l) => l !== '' && !/^(\(node:|\(Use `node|WARNING: proceeding|Reading additional input|warning:)/.test(l),
      )
      .at(-1) ?? '';
  return shorten(line);
}

// --- the table ---

const cli = (
  client: string,
  pkg: string,
  fixtures: string,
  run: (p: string) => (ctx: CaseContext) => Command,
  toolPrompt: string,
): LiveCase[] => [
  { client, pkg, fixtures, name: 'text', world: 'ok', command: run('hi'), check: answered },
  { client, pkg, fixtures, name: 'tool', world: 'ok', command: run(toolPrompt), check: agentToolRan },
  {
    client,
    pkg,
    fixtures,
    name: 'error',
    world: 'failing',
    command: run('hi'),
    check: failedClearly,
    timeoutMs: 180_000,
  },
  // Claude Code gives up after about three minutes of its own backoff here.
  {
    client,
    pkg,
    fixtures,
    name: 'cooling',
    world: 'cooling',
    command: run('hi'),
    check: failedClearly,
    timeoutMs: 300_000,
  },
  { client, pkg, fixtures, name: 'badkey', world: 'badkey', command: run('hi'), check: wrongKeyShown },
  {
    client,
    pkg,
    fixtures,
    name: 'long-cooling',
    world: 'long',
    command: run('hi'),
    check: longCoolingShown,
    // Without the gateway's client rules, OpenCode waited the Retry-After (60 s) before each of its 5 retries.
    timeoutMs: 480_000,
  },
];

/** The gateway a library case talks to, by the end of its name. */
function worldOf(name: string): WorldName {
  if (name.endsWith('error')) return 'failing';
  if (name.endsWith('badkey')) return 'badkey';
  if (name.endsWith('long')) return 'long';
  return name.endsWith('cooling') ? 'cooling' : 'ok';
}

/** The rows every library has for answers a retry cannot change, by the prefixes its driver knows: each shown
 * within seconds, whether the library reads x-should-retry or is told by src/gateway/answer/client-retry.ts's table. */
const hopeless = (prefixes: readonly string[]): [string, LiveCase['check']][] =>
  prefixes.flatMap((p): [string, LiveCase['check']][] => [
    [`${p}badkey`, wrongKeyShown],
    [`${p}long`, longCoolingShown],
  ]);

const lib = (
  client: string,
  pkg: string,
  fixtures: string,
  file: string,
  rows: [name: string, check: LiveCase['check']][],
): LiveCase[] =>
  rows.map(([name, check]) => ({
    client,
    pkg,
    fixtures,
    name,
    world: worldOf(name),
    command: driver(file, name),
    check,
    timeoutMs: 180_000,
  }));

/** The tools an MCP case's client key may call (of `files`, the stdio server, and `remote`, the HTTP one). */
const MCP_ALLOWED = ['files__echo', 'files__add', 'remote__echo'];
/** Tools of the same servers outside that list: never offered to the model. */
const MCP_OUTSIDE = ['files__hang', 'files__files_read', 'remote__add'];

const claudeCode = { client: 'Claude Code', pkg: '@anthropic-ai/claude-code', fixtures: 'claude-code' } as const;

/** A Claude Code run against /mcp with the key allowed MCP_ALLOWED (plus `extra`), asked to call `tool`. */
const claudeMcpCase = (
  name: string,
  tool: string,
  o: {
    extra?: readonly string[];
    fault?: (m: WorldControl['mcp']) => void;
    expect: 'ok' | 'refused';
    after?: LiveCase['after'];
  },
): LiveCase => ({
  ...claudeCode,
  name,
  world: 'ok',
  before: (w) => {
    w.mcp.allow({ tools: [...MCP_ALLOWED, ...(o.extra ?? [])] });
    if (o.fault) w.mcp.afterList(o.fault);
  },
  command: claudeMcp(`call ${tool}`, `mcp__switchyard__${tool}`),
  check: mcpCalled(
    o.expect,
    [...MCP_ALLOWED, ...(o.extra ?? [])],
    MCP_OUTSIDE.filter((t) => !o.extra?.includes(t)),
  ),
  after: o.after ?? ledgerShows(toolRow(tool, o.expect === 'ok' ? '0' : '[1-9]\\d*'), `${tool}'s call`),
});

/** Tokens the remote server had issued when the token-expiry case began. */
let tokensBefore = 0;

const mcpCases: LiveCase[] = [
  claudeMcpCase('mcp-tool', 'files__echo', { expect: 'ok' }),
  // Listed while the key allowed it, then the key's list narrowed (as `gateway keys update` does) before the call:
  // the gateway refuses it, and Claude Code hands the refusal to the model.
  claudeMcpCase('mcp-refused', 'files__hang', {
    extra: ['files__hang'],
    fault: (m) => m.allow({ tools: MCP_ALLOWED }),
    expect: 'refused',
  }),
  // The remote server's token expires between the listing and the call: the gateway mints another, and the call
  // succeeds (no failed call in the ledger).
  claudeMcpCase('mcp-token-expiry', 'remote__echo', {
    fault: (m) => {
      tokensBefore = m.tokensIssued();
      m.expireToken();
    },
    expect: 'ok',
    after: async (w) =>
      (await ledgerShows(toolRow('remote__echo', '0'), 'remote__echo answered, none failed')(w)) ??
      (w.mcp.tokensIssued() > tokensBefore ? undefined : 'the gateway minted no new token for the remote server'),
  }),
  // The stdio server is killed between the listing and the call: the gateway starts it again and the call waits.
  claudeMcpCase('mcp-stdio-crash', 'files__add', { fault: (m) => m.crashStdio(), expect: 'ok' }),
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'mcp-tool',
    world: 'ok',
    before: (w) => w.mcp.allow({ tools: MCP_ALLOWED }),
    command: codexMcp('call files__echo'),
    check: mcpCalled('ok', MCP_ALLOWED, MCP_OUTSIDE),
    after: ledgerShows(toolRow('files__echo', '0'), "files__echo's call"),
  },
  // As Claude Code's mcp-refused: listed, then taken off the key's list before the call.
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'mcp-refused',
    world: 'ok',
    before: (w) => {
      w.mcp.allow({ tools: [...MCP_ALLOWED, 'files__hang'] });
      w.mcp.afterList((m) => m.allow({ tools: MCP_ALLOWED }));
    },
    command: codexMcp('call files__hang'),
    check: mcpCalled(
      'refused',
      [...MCP_ALLOWED, 'files__hang'],
      MCP_OUTSIDE.filter((t) => t !== 'files__hang'),
    ),
    after: ledgerShows(toolRow('files__hang', '[1-9]\\d*'), "files__hang's refused call"),
  },
];

export const CASES: readonly LiveCase[] = [
  ...cli('Claude Code', '@anthropic-ai/claude-code', 'claude-code', claude, 'call Read'),
  ...cli('Codex CLI', '@openai/codex', 'codex', codex, 'call exec'),
  // Claude Code with server-side compaction asked for, a conversation of two runs (`claude -p`, then `--continue`) on
  // an Anthropic route (the failover world's `claude-*`): once healthy, once with the route failing between the runs.
  {
    client: 'Claude Code',
    pkg: '@anthropic-ai/claude-code',
    fixtures: 'claude-code',
    name: 'compaction-beta',
    world: 'failover',
    command: claudeCompacting('call Read'),
    then: [{ command: claudeCompacting('hi again', true) }],
    check: compactionBetaCarried(answeredBy()),
  },
  {
    client: 'Claude Code',
    pkg: '@anthropic-ai/claude-code',
    fixtures: 'claude-code',
    name: 'failover',
    world: 'failover',
    command: claudeCompacting('call Read'),
    then: [{ before: (w) => w.fault('on'), command: claudeCompacting('hi again', true) }],
    check: compactionBetaCarried(answeredBy(1)),
  },
  // The same with a project large enough that the route compacts the first run's conversation: the second run sends
  // the compaction block back, to the main route, or (the route failing between the runs) to the fallback.
  {
    client: 'Claude Code',
    pkg: '@anthropic-ai/claude-code',
    fixtures: 'claude-code',
    name: 'compacted',
    world: 'failover',
    command: claudeCompacted('call Read'),
    then: [{ command: claudeCompacted('hi again', true) }],
    check: compactionSentBack(answeredBy()),
  },
  {
    client: 'Claude Code',
    pkg: '@anthropic-ai/claude-code',
    fixtures: 'claude-code',
    name: 'compacted-failover',
    world: 'failover',
    command: claudeCompacted('call Read'),
    then: [{ before: (w) => w.fault('on'), command: claudeCompacted('hi again', true) }],
    check: compactionSentBack(answeredBy(1)),
  },
  // The gateway's /mcp as each agent's MCP server, its client key allowed some tools (MCP_ALLOWED): those listed, one
  // called (the simulator's model calls the tool the prompt names; `files__echo` is the gateway's `files` server's
  // `echo`), and the call's row in the gateway's ledger (`switchyard usage --by tool`).
  ...mcpCases,
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'output-schema',
    world: 'ok',
    command: codexSchema('main'),
    check: ratingJson,
  },
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'output-schema@anthropic',
    world: 'ok',
    command: codexSchema('anthropic'),
    check: ratingJson,
  },
  ...(['websocket', 'websocket-tool'] as const).map((name): LiveCase => ({
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name,
    world: 'ok',
    command: codexBuiltIn(name === 'websocket' ? 'hi' : 'call exec'),
    check: overWebSocket,
  })),
  // A window so small that Codex compacts after its tool ran (remote compaction over the WebSocket).
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'websocket-compaction',
    world: 'ok',
    command: codexBuiltIn('call exec', ['model_auto_compact_token_limit=3000']),
    check: compactedOverWebSocket,
  },
  // With the built-in provider's own retries: how long it takes to show the gateway's explanation.
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'websocket-error',
    world: 'failing',
    command: codexBuiltIn('hi'),
    check: failedClearly,
    timeoutMs: 180_000,
  },
  // The main route fails mid-conversation, within one run: its first turn answered, every later call failing. The
  // turn that sends the tool's output continues by previous_response_id; the fallback (an Anthropic route) is sent
  // the conversation the gateway rebuilt, then Codex compacts there.
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'websocket-failover',
    world: 'failover',
    before: (w) => w.fault('after-first'),
    command: codexBuiltIn('call exec', ['model_auto_compact_token_limit=3000']),
    check: (o) => compactedOverWebSocket(o) ?? failedOverOnSocket(o),
  },
  // A conversation of two runs (`codex exec`, then `codex exec resume --last`), the main route failing between them.
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'websocket-resume',
    world: 'failover',
    command: codexBuiltIn('call exec'),
    then: [{ before: (w) => w.fault('on'), command: codexResume('hi again') }],
    check: resumedOnFallback,
  },
  ...cli('OpenCode', 'opencode-ai', 'opencode', opencode, 'call read'),
  ...lib(
    'AI SDK',
    'ai',
    'ai-sdk',
    'ai-sdk.ts',
    ['openai', 'chat', 'anthropic', 'compatible']
      .flatMap((p): [string, LiveCase['check']][] => [
        [`${p}-text`, answered],
        [`${p}-stream`, streamed],
        [`${p}-tool`, toolRan],
        [`${p}-object`, structured],
      ])
      .concat([
        ['openai-error', failedClearly],
        ['anthropic-error', failedClearly],
        ['openai-cooling', failedClearly],
        ['anthropic-cooling', failedClearly],
        ['openai-object@anthropic', structured],
        ['chat-object@anthropic', structured],
        ['anthropic-object@anthropic', structured],
        ['compatible-object@anthropic', structured],
        ...hopeless(['openai-', 'anthropic-']),
      ]),
  ),
  ...lib(
    'LangChain',
    '@langchain/openai',
    'langchain',
    'langchain.ts',
    ['openai', 'responses', 'anthropic']
      .flatMap((m): [string, LiveCase['check']][] => [
        [`${m}-text`, answered],
        [`${m}-stream`, streamed],
        [`${m}-tool`, toolRan],
        [`${m}-structured`, structured],
      ])
      .concat([
        ['openai-error', failedClearly],
        ['anthropic-error', failedClearly],
        ['openai-cooling', failedClearly],
        ['anthropic-cooling', failedClearly],
        ...hopeless(['openai-', 'anthropic-']),
      ]),
  ),
  ...lib('Agents SDK', '@openai/agents', 'openai-agents', 'agents.ts', [
    ['text', answered],
    ['stream', streamed],
    ['tool', toolRan],
    ['namespace', toolRan],
    ['chat-tool', toolRan],
    ['ws-session', conversed(true)],
    ['history', conversed(false)],
    ['previous-response', conversed(false)],
    [
      'chat-namespace',
      refused(/toolNamespace|namespace/i, "the SDK's own refusal of a tool namespace on chat completions"),
    ],
    ['error', failedClearly],
    ['cooling', failedClearly],
    ...hopeless(['']),
  ]),
  // The main route failing after a conversation's first call: the next run, continuing it by previousResponseId, is
  // answered by the fallback, sent the conversation the gateway kept — over HTTP and over the WebSocket session.
  ...(['previous-response-failover', 'ws-failover'] as const).map((name): LiveCase => ({
    client: 'Agents SDK',
    pkg: '@openai/agents',
    fixtures: 'openai-agents',
    name,
    world: 'failover',
    before: (w) => w.fault('after-first'),
    command: driver('agents.ts', name),
    check: (o) =>
      (name === 'ws-failover' ? stayedOnSocket(o) : undefined) ??
      (o.code === 0 &&
      new RegExp(`^turn 1: \\[${MAIN_MODEL}\\]`, 'm').test(o.output) &&
      new RegExp(`^turn 2: .*\\[${FALLBACK_MODEL}\\] got tool result:`, 'm').test(o.output)
        ? undefined
        : `expected turn 1 answered by the main route, turn 2 by the fallback: ${errorLine(o.output)}`),
  })),
  ...lib('openai', 'openai', 'openai', 'openai-sdk.ts', [
    ['chat', answered],
    ['chat-stream', streamed],
    ['chat-tool', toolRan],
    ['parse', structured],
    ['parse@anthropic', structured],
    ['responses-parse', structured],
    ['responses-parse@anthropic', structured],
    ['responses', answered],
    ['responses-stream', streamed],
    ['responses-tool', toolRan],
    ['error', failedClearly],
    ['cooling', failedClearly],
    ...hopeless(['']),
  ]),
  ...lib('@anthropic-ai/sdk', '@anthropic-ai/sdk', 'anthropic-sdk', 'anthropic-sdk.ts', [
    ['messages', answered],
    ['stream', streamed],
    ['tool-runner', toolRan],
    [
      'thread',
      refused(
        /ThreadUnsupportedRequestError 400: .*message threads are not supported here/,
        "the gateway's refusal of the thread, as the SDK's own error",
      ),
    ],
    ['thread-unthreaded', threadCarried],
    ['count-tokens', has(/input_tokens \d+/, 'a token count')],
    ['parse', structured],
    ['parse@anthropic', structured],
    ['error', failedClearly],
    ['cooling', failedClearly],
    ...hopeless(['']),
  ]),
];
