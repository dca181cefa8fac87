// What `npm run test:clients` runs: one row per client and case — the command (a real CLI, or a driver script using
// a real library), which gateway it talks to, and what its output must show. Each client keeps its default
// settings; only the gateway's URL and key are given, the way docs/clients.md says.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, bin } from './install.ts';
import { WORKDIR } from './home.ts';
import type { Exchange } from '../record.ts';
import type { WorldName } from './world.ts';

export interface CaseContext {
  /** The recording proxy in front of the gateway. */
  url: string;
  key: string;
}

export interface Command {
  cmd: string;
  args: string[];
  env: Record<string, string>;
}

export interface RunOutcome {
  code: number | null;
  output: string;
  exchanges: Exchange[];
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
  /** Undefined when the outcome is right; otherwise why not. */
  check(o: RunOutcome): string | undefined;
  timeoutMs?: number;
}

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
      CLAUDE: bin('claude'),
      MCP_URL: `${ctx.url}/mcp`,
      MCP_KEY: ctx.key,
      PROMPT: prompt,
      TOOL: tool,
    },
  });

/** Codex with docs/clients.md's `[mcp_servers.switchyard]` (url, bearer_token_env_var), given as `-c` overrides so
 * that only this case's Codex connects to /mcp. */
const codexMcp =
  (prompt: string) =>
  (ctx: CaseContext): Command => ({
    ...codex(prompt)(ctx),
    args: [
      'exec',
      '--skip-git-repo-check',
      '-c',
      `mcp_servers.switchyard.url="${ctx.url}/mcp"`,
      '-c',
      'mcp_servers.switchyard.bearer_token_env_var="SWITCHYARD_KEY"',
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

/** An exchange with /mcp whose JSON-RPC method is `method`, answered 200. */
const mcpAnswered = (o: RunOutcome, method: string): boolean =>
  o.exchanges.some(
    (e) =>
      e.request.path.startsWith('/mcp') &&
      JSON.stringify(e.request.body).includes(`"method":"${method}"`) &&
      e.answered.status === 200,
  );

/** The agent listed the gateway's MCP tools, called one (a `tools/call` answered 200) and sent its result back to the
 * model. */
function mcpToolRan(o: RunOutcome): string | undefined {
  const bad = answered(o);
  if (bad) return bad;
  if (!mcpAnswered(o, 'tools/list')) return 'the agent did not list the tools of /mcp';
  if (!mcpAnswered(o, 'tools/call')) return 'no tools/call reached /mcp (the model was not offered the tool)';
  return o.exchanges.some((e) => !e.request.path.startsWith('/mcp') && TOOL_RESULT.test(JSON.stringify(e.request.body)))
    ? undefined
    : 'the tool result was not sent back to the model';
}

/** Codex 0.169 offers a model its MCP tools only inside its code-mode `exec` tool, which the simulator's model does
 * not write code for: that it connected and listed them is what can be seen. */
function mcpToolsListed(o: RunOutcome): string | undefined {
  return answered(o) ?? (mcpAnswered(o, 'tools/list') ? undefined : 'the agent did not list the tools of /mcp');
}

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
 * within seconds, whether the library reads x-should-retry or is told by src/gateway/client-retry.ts's table. */
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

export const CASES: readonly LiveCase[] = [
  ...cli('Claude Code', '@anthropic-ai/claude-code', 'claude-code', claude, 'call Read'),
  ...cli('Codex CLI', '@openai/codex', 'codex', codex, 'call exec'),
  // The gateway's /mcp as each agent's MCP server: its tools listed, one called (the simulator's model calls the tool
  // the prompt names; `files__echo` is the gateway's `files` server's `echo`).
  {
    client: 'Claude Code',
    pkg: '@anthropic-ai/claude-code',
    fixtures: 'claude-code',
    name: 'mcp-tool',
    world: 'ok',
    command: claudeMcp('call files__echo', 'mcp__switchyard__files__echo'),
    check: mcpToolRan,
  },
  {
    client: 'Codex CLI',
    pkg: '@openai/codex',
    fixtures: 'codex',
    name: 'mcp-tools',
    world: 'ok',
    command: codexMcp('call files__echo'),
    check: mcpToolsListed,
  },
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
    [
      'chat-namespace',
      refused(/toolNamespace|namespace/i, "the SDK's own refusal of a tool namespace on chat completions"),
    ],
    ['error', failedClearly],
    ['cooling', failedClearly],
    ...hopeless(['']),
  ]),
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
