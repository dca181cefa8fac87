// `switchyard sim --scenario FILE [--listen HOST:PORT]`: runs the fault-injecting simulator until SIGINT/SIGTERM.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../user-error.ts';
import { mask } from '../config/mask.ts';
import { loadScenario } from '../sim/scenario-load.ts';
import { startSimulator } from '../sim/server.ts';
import { startMcpSim } from '../sim/fronts/mcp/http.ts';
import { serveMcpStdio } from '../sim/fronts/mcp/stdio.ts';
import { assertHostShape, everyInterfaceNote, listenError } from '../config/listen.ts';
import { describeScenario, keyNamer, type ScenarioDescription } from '../sim/describe.ts';
import type { Scenario } from '../sim/scenario.ts';
import type { SimCallRecord } from '../sim/types.ts';
import type { CliRun } from './run.ts';

const DEFAULT_LISTEN = '127.0.0.1:4010';

interface SimOptions {
  /** Required, but checked here: `sim mcp` takes none, and commander would ask a subcommand for its parent's. */
  scenario?: string;
  listen: string;
  quiet?: boolean;
}

export function register(program: Command, { cli }: { cli: CliRun }): void {
  const sim = program
    .command('sim')
    .description('run the fault-injecting OpenAI/Anthropic-compatible simulator (see docs/simulator.md)')
    .option('-s, --scenario <file>', 'scenario YAML file (required; docs/simulator.md)')
    .option('-l, --listen <host:port>', 'address to listen on (port 0: any free port)', DEFAULT_LISTEN)
    .option('-q, --quiet', 'do not print a line per call')
    .action((options: SimOptions) => runSim(cli, options));
  sim
    .command('mcp')
    .description("run the simulator's MCP server: over HTTP, or on stdin/stdout with --stdio (docs/simulator.md#mcp)")
    .option('--stdio', 'speak MCP on stdin/stdout, as a local server a gateway starts')
    .option('--crash-on <tool>', 'with --stdio: exit when this tool is called (the crash fault)')
    .option('-l, --listen <host:port>', 'address to listen on (port 0: any free port)', '127.0.0.1:4011')
    .option('--token <token...>', 'bearer tokens accepted (default: none needed)')
    .option('--sse', 'serve the older SSE transport (GET /sse) instead of Streamable HTTP')
    .option(
      '--oauth-login',
      'demand the MCP authorization flow: 401 with resource metadata, client registration, an authorization endpoint that approves at once (for `switchyard auth login`)',
    )
    .option('--access-ttl <seconds>', 'with --oauth-login: how long an access token is good for (default 300)')
    .action((options: McpSimCliOptions, cmd: Command) =>
      runMcpSim(cli, { ...options, listen: listenOf(cmd, options) }),
    );
}

/** `sim`'s own `--listen` takes the option when it comes after `mcp` (commander parses a parent's options anywhere):
 * given there, it is this command's. */
function listenOf(cmd: Command, options: McpSimCliOptions): string {
  const parent = cmd.parent;
  return parent?.getOptionValueSource('listen') === 'cli' ? String(parent.opts()['listen']) : options.listen;
}

interface McpSimCliOptions {
  stdio?: boolean;
  crashOn?: string;
  listen: string;
  token?: string[];
  sse?: boolean;
  oauthLogin?: boolean;
  accessTtl?: string;
}

async function runMcpSim(cli: CliRun, options: McpSimCliOptions): Promise<void> {
  if (options.stdio) {
    // stdout is the protocol's: nothing else may be written there.
    await serveMcpStdio({
      ...(options.crashOn !== undefined ? { crashOn: options.crashOn } : {}),
      exit: (code) => process.exit(code),
    });
    await new Promise<void>((resolve) => process.stdin.once('close', resolve));
    return;
  }
  if (options.crashOn !== undefined) throw new UserError('--crash-on is a fault of the stdio server: add --stdio');
  if (options.accessTtl !== undefined && !options.oauthLogin)
    throw new UserError('--access-ttl is the lifetime of --oauth-login tokens: add --oauth-login');
  const { host, port } = parseListen(options.listen);
  const sim = await startMcpSim({
    host,
    port,
    ...(options.token !== undefined ? { tokens: options.token } : {}),
    ...(options.sse ? { transport: 'sse' as const } : {}),
    ...(options.oauthLogin ? { login: loginOptions(options.accessTtl) } : {}),
  }).catch((err: unknown) => {
    throw listenError(`${host}:${port}`, err);
  });
  const stopped = new Promise<string>((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'));
    process.on('SIGTERM', () => resolve('SIGTERM'));
  });
  const login = sim.login === undefined ? '' : `  sign-in: the MCP authorization flow (switchyard auth login)\n`;
  cli.stdout.write(
    `switchyard sim mcp listening on ${sim.url}\n  tools: echo, add, files_read, hang\n${login}Ctrl-C to stop.\n`,
  );
  const signal = await stopped;
  await sim.close();
  cli.stdout.write(`switchyard sim mcp: stopped (${signal})\n`);
}

function loginOptions(ttl: string | undefined): { accessTtlSeconds?: number } {
  if (ttl === undefined) return {};
  const seconds = Number(ttl);
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new UserError(`--access-ttl: expected a whole number of seconds, at least 1, got ${JSON.stringify(ttl)}`);
  return { accessTtlSeconds: seconds };
}

/** `HOST:PORT`, `:PORT`, `PORT` or `[::1]:PORT`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port)) {
    throw new UserError(`--listen: expected HOST:PORT (e.g. ${DEFAULT_LISTEN}), got ${JSON.stringify(text)}`);
  }
  if (port > 65535)
    throw new UserError(
      `--listen: port ${port} is out of range (0–65535; 0 picks a free one), in ${JSON.stringify(text)}`,
    );
  const host = m[1] || m[2] || '127.0.0.1';
  assertHostShape(host, '--listen', text);
  return { host, port };
}

async function runSim(cli: CliRun, options: SimOptions): Promise<void> {
  if (options.scenario === undefined)
    throw new UserError("required option '-s, --scenario <file>' not specified (see `switchyard sim --help`)");
  // Named relative to the directory the command runs in (a test runs it in-process, in another).
  const file = options.scenario;
  const scenario = loadScenario(resolve(cli.cwd, file));
  const { host, port } = parseListen(options.listen);
  const onCall = options.quiet ? undefined : callPrinter(cli);
  const sim = await startSimulator({ scenario, host, port, ...(onCall ? { onCall } : {}) }).catch((err: unknown) => {
    throw listenError(`${host}:${port}`, err);
  });
  // Listening for signals before the banner says where it listens: a script that stops the simulator as soon as it
  // reads the banner must find the handlers in place, not the default action (no 'stopped' line, not exit 0).
  const stopped = new Promise<string>((resolve) => {
    // `on`, not `once`: a signal echoed by bin/switchyard.js (src/signal-repeat.ts) must not find the default
    // action, which would end the process before it closes and says what it served.
    process.on('SIGINT', () => resolve('SIGINT'));
    process.on('SIGTERM', () => resolve('SIGTERM'));
  });
  printBanner(cli, sim.url, everyInterfaceNote(host, sim.port), file, describeScenario(scenario));
  const signal = await stopped;
  await sim.close();
  cli.stdout.write(`switchyard sim: stopped (${signal}) ${servedText(sim.served(), sim.calls())}\n`);
}

/** `after 12 calls`, and `(3 since the last reset)` when a reset cleared the count the control API shows. */
export function servedText(total: number, sinceReset: number): string {
  const calls = `after ${total} call${total === 1 ? '' : 's'}`;
  return sinceReset === total ? calls : `${calls} (${sinceReset} since the last reset)`;
}

/** `url` is the one to use from this machine; `everyInterface`, when set, says that other machines can reach it too. */
function printBanner(
  cli: CliRun,
  url: string,
  everyInterface: string | undefined,
  file: string,
  described: ScenarioDescription,
): void {
  const clients = described.oauthClients;
  const lines = [
    `switchyard sim listening on ${url}  (scenario ${file})`,
    `  OpenAI base_url:    ${url}/v1`,
    `  Anthropic base_url: ${url}`,
    `  control:            GET ${url}/_sim/calls · POST ${url}/_sim/reset · PUT ${url}/_sim/scenario`,
    ...(clients.length > 0 ? [`  OAuth2 token URL:   POST ${url}/oauth2/token`] : []),
    ...(described.aws ? [`  AWS STS:            AWS_ENDPOINT_URL_STS=${url} (AssumeRole, GetCallerIdentity)`] : []),
    ...(everyInterface !== undefined ? [`  ${everyInterface}`] : []),
    'models:',
    ...described.models.map((m) => `  ${m}`),
    'keys:',
    ...(described.keys.length > 0 ? described.keys.map((k) => `  ${k}`) : ['  (none: every key is answered 401)']),
    ...(clients.length > 0 ? ['oauth2 clients:', ...clients.map((c) => `  ${c}`)] : []),
    ...(described.regions.length > 0 ? ['regions:', ...described.regions.map((r) => `  ${r}`)] : []),
    'Ctrl-C to stop.',
  ];
  cli.stdout.write(`${lines.join('\n')}\n`);
}

/** Prints a line per call, naming keys as the banner does for the scenario in force (a PUT may have changed it). */
function callPrinter(cli: CliRun): (call: SimCallRecord, scenario: Scenario) => void {
  let namedFor: Scenario | undefined;
  let name: (key: string) => string = mask;
  return (call, scenario) => {
    if (scenario !== namedFor) {
      namedFor = scenario;
      name = keyNamer(Object.keys(scenario.keys));
    }
    printCall(cli, call, name);
  };
}

function printCall(cli: CliRun, call: SimCallRecord, name: (key: string) => string): void {
  const key = call.key ? name(call.key) : '(no key)';
  const status = call.status === 0 ? '---' : String(call.status);
  const stream = call.stream ? ' stream' : '';
  cli.stdout.write(
    `${new Date(call.at).toISOString()} ${call.api}${stream} ${key} ${call.model || '-'} → ${status} ${call.outcome}\n`,
  );
}
