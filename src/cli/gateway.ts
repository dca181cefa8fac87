// `switchyard gateway` — run the OpenAI/Anthropic-compatible gateway; `gateway keys create|list|show|update|revoke`
// manage client keys (and their MCP allow-lists); `gateway service --print|--install` write a systemd user unit.
import { GUARD_MODES, type GuardMode } from '../config/guard.ts';
import { Option, type Command } from 'commander';
import cluster from 'node:cluster';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inEffectText, type CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';
import { isTrusted } from '../config/trust.ts';
import { createLogger } from '../log.ts';
import { defaultLogFormat, LOG_FORMATS, stderrLogDestination, type LogFormat } from '../log-format.ts';
import { UserError } from '../user-error.ts';
import { formatClock } from '../errors/explain-format.ts';
import { VERSION } from '../version.ts';
import { openCliStore } from './open-state.ts';
import { unknownCommand } from './unknown-command.ts';
import { matchOne, shortPrefixHint } from '../state/match.ts';
import type { StateStore, GatewayKeyRecord } from '../state/types.ts';
import { generateKey, newKeyRecord } from '../gateway/keys/keys.ts';
import {
  enableInstructions,
  installUnit,
  renderUnit,
  unitPath,
  userManagerMissing,
} from '../gateway/server/systemd.ts';
import { serviceCommand } from './service-command.ts';
import { parseDuration } from '../config/duration.ts';
import { systemdDotenvWarnings } from '../config/systemd-dotenv.ts';
import { serviceShellWarnings } from './service-env.ts';
import { gatewayAdminKeyWarning } from '../config/admin-key.ts';
import { everyInterfaceNote, localUrlFor, parseListen } from '../config/listen.ts';
import type { FromWorker } from '../gateway/server/workers.ts';
import {
  keyShowLines,
  keyShowText,
  mcpChangeOf,
  unknownServers,
  type KeyMcpOptions,
  type ServersReached,
} from './key-mcp.ts';
import { checkMcpServers } from '../mcp/probe.ts';
import { keyUserCell, keyUserLine, keyUserOf, type KeyUserOptions } from './key-user.ts';

const BIN = resolve(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'switchyard.js'));

export function register(program: Command, { cli }: { cli: CliRun }): void {
  const gateway = program
    .command('gateway')
    .description('run the OpenAI- and Anthropic-compatible gateway (see docs/gateway.md)')
    .option('--listen <host:port>', 'address to listen on (default: gateway.listen, 127.0.0.1:4141)')
    .option('--otel', 'export OpenTelemetry traces and metrics as the OTEL_* variables say (default: gateway.otel)')
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines on stderr: pretty (for a terminal) or json (default: pretty on a terminal, json otherwise, e.g. under systemd)',
      ).choices(LOG_FORMATS),
    )
    .option(
      '--workers <n>',
      'gateway processes sharing the port, or auto for one per core (default: gateway.workers, 1); see docs/replicas.md',
    )
    // `gateway key` is a mistyped subcommand, not an argument: let it reach runGateway, which says so (with the
    // nearest subcommand) instead of commander's "too many arguments".
    .allowExcessArguments(true)
    .action((opts: GatewayOptions, cmd: Command) => runGateway(cli, opts, cmd));

  const keys = gateway.command('keys').description('manage the client keys callers present to the gateway');
  keys
    .command('create')
    .description('create a client key (shown once)')
    // `keys create laptop` reads as naming the key (as `keys revoke laptop` does): honoured, not silently dropped.
    .argument('[name]', 'a name to recognise the key by in logs and `keys list` (same as --name)')
    .option('--name <name>', 'a name to recognise the key by in logs and `keys list`')
    .option('--mcp-tools <patterns>', 'MCP tools the key may call, comma-separated (files__*,exa__web_search)')
    .option('--mcp-servers <names>', 'MCP servers the key may reach, comma-separated')
    .option(
      '--user-from <where>',
      "read each request's end user from the x-switchyard-user header, the client's body, or both (header, body, both)",
    )
    .option('--user-hash', 'keep the end user hashed (sha256:…) in the ledger, budgets and spans')
    .option(
      '--guard <mode>',
      "the secrets guard for this key's requests: redact, block, log or off (default: the config's guard.secrets)",
    )
    .option('--json', 'machine-readable output')
    .action((name: string | undefined, opts: KeyCreateOptions, cmd: Command) => keysCreate(cli, name, opts, cmd));
  keys
    .command('list')
    .description('list client keys (never the keys themselves)')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => keysList(cli, opts, cmd));
  keys
    .command('revoke')
    .description('revoke a client key by id or name; a running gateway refuses it within a second')
    .argument('<id-or-name>')
    .option('--json', 'machine-readable output')
    .action((idOrName: string, opts: { json?: boolean }, cmd: Command) => keysRevoke(cli, idOrName, opts, cmd));
  keys
    .command('show')
    .description('show a client key and what it may call through /mcp, and why')
    .argument('<id-or-name>')
    .option('--no-connect', 'name the patterns only: do not ask the MCP servers for their tools')
    .option('--json', 'machine-readable output')
    .action((idOrName: string, opts: { json?: boolean; connect?: boolean }, cmd: Command) =>
      keysShow(cli, idOrName, opts, cmd),
    );
  keys
    .command('update')
    .description("replace a client key's MCP allow-list (whole: nothing of the old list is kept)")
    .argument('<id-or-name>')
    .option('--mcp-tools <patterns>', 'MCP tools the key may call, comma-separated (files__*,exa__web_search)')
    .option('--mcp-servers <names>', 'MCP servers the key may reach, comma-separated')
    .option('--no-mcp', 'remove the allow-list: the key may call every configured tool')
    .option('--json', 'machine-readable output')
    .action((idOrName: string, opts: { json?: boolean } & KeyMcpOptions, cmd: Command) =>
      keysUpdate(cli, idOrName, opts, cmd),
    );

  gateway
    .command('service')
    .description('print or install a systemd user unit that runs this gateway with the .env beside the config')
    .option('--print', 'print the unit (default)')
    .option('--install', `write it to ${unitPath(cli.env).replace(cli.env['HOME'] ?? '\0', '~')}`)
    .option('--force', 'with --install: overwrite an existing unit')
    .option(
      '--allow-clone',
      'run the service from this clone of the repository (by default only an installed switchyard is)',
    )
    .action((opts: ServiceOptions, cmd: Command) => service(cli, opts, cmd));

  gateway
    .command('wait')
    .description(
      "wait until the gateway the config names answers /readyz (the unit's ExecStartPost=); exit 1 if it does not in time",
    )
    .option('--timeout <duration>', 'how long to wait', '60s')
    .action((opts: { timeout: string }, cmd: Command) => waitReady(cli, opts, cmd));
}

/** A ./switchyard.yaml found in the current directory may have come with a cloned repository: a gateway (or a service
 * of one) runs only on a file the user trusted (`config trust`) or named (--config). */
function refuseUntrusted(cli: CliRun, loaded: LoadedConfig, why: string): void {
  if (!loaded.localConfig || loaded.path === null || isTrusted(loaded.path, cli.env)) return;
  throw new UserError(`${loaded.path} was found in the current directory and is not trusted: ${why}`, {
    details: ['if it is yours: `switchyard config trust`, then run this again; or name the file with --config'],
  });
}

interface GatewayOptions {
  listen?: string;
  logFormat?: LogFormat;
  workers?: string;
  otel?: boolean;
}

async function runGateway(cli: CliRun, opts: GatewayOptions, cmd: Command): Promise<void> {
  if (cmd.args.length > 0) unknownCommand(cmd, cmd.args[0]!);
  const configFlag = cmd.optsWithGlobals<{ config?: string }>().config;
  // No config file at all is refused (with where it looked), unlike the other commands: a gateway on the defaults has
  // no route to serve, yet would answer /readyz as ready — a service started in the wrong directory would look healthy.
  const loaded = loadConfig({
    configPath: configFlag,
    env: cli.env,
    cwd: cli.cwd,
    allowMissing: false,
  });
  refuseUntrusted(
    cli,
    loaded,
    'a gateway serves whoever reaches it with your keys, as the file says (its listen address, require_keys, the Redis its client keys come from)',
  );
  const { workerCount, WORKER_ENV } = await import('../gateway/server/workers.ts');
  const count = workerCount(
    opts.workers ?? loaded.config.gateway.workers,
    opts.workers !== undefined ? '--workers' : 'gateway.workers',
  );
  // A worker of `--workers N` runs this same command, told so by its environment (and node:cluster).
  const worker = cluster.isWorker ? cli.env[WORKER_ENV] : undefined;
  const format = opts.logFormat ?? defaultLogFormat(cli.stderr);
  // Log lines go to stderr in batches: one write per ~16 KiB rather than one per request, at most 250 ms late,
  // everything written before exit (see log-destination.ts).
  const destination = await stderrLogDestination(format, cli);
  const logger = createLogger({ level: loaded.config.gateway.log_level, destination, name: 'switchyard-gateway' });
  const exit = (code: number): void => {
    destination.flushSync();
    process.exit(code);
  };
  // The config's warnings, and those about the gateway alone (no admin key; said also for a config without a
  // `gateway:` section, which `config check` does not nag about: see admin-key.ts); once, not once per worker.
  if (worker === '1' || (worker === undefined && count === 1))
    for (const w of [...loaded.warnings, ...gatewayAdminKeyWarning(loaded)]) logger.warn(w);
  if (worker === undefined && count > 1) {
    const { runPrimary } = await import('./gateway-primary.ts');
    const args = [
      'gateway',
      ...(configFlag !== undefined ? ['--config', configFlag] : []),
      ...(opts.listen !== undefined ? ['--listen', opts.listen] : []),
      '--log-format',
      format,
    ];
    await runPrimary({ cli, loaded, logger, count, bin: BIN, args, exit }).catch((err: unknown) => {
      destination.close();
      throw err;
    });
    return;
  }
  // Loaded on demand: `switchyard --help` and the keys/service commands need none of the router.
  const { startGateway } = await import('../gateway/server/server.ts');
  const { handleSignals } = await import('../gateway/server/signals.ts');
  const { memoryReducingCollection } = await import('../memory-reducing.ts');
  // A gateway that cannot start leaves nothing running: its log lines so far are written, and its timer stopped.
  const handle = await startGateway({
    loaded,
    logger,
    ...(opts.listen ? { listen: opts.listen } : {}),
    ...(opts.otel ? { otel: true } : {}),
    ...(worker !== undefined ? { shareMintedTokens: true } : {}),
  }).catch((err: unknown) => {
    destination.close();
    // A worker's channel to its primary would keep it running: let it end with its error, as one process does.
    if (worker !== undefined) process.channel?.unref();
    throw err;
  });
  handleSignals(handle, logger, exit, worker !== undefined);
  // From here a bug that slips through is logged, counted and survived rather than the end of every request in flight.
  const { guardProcess } = await import('../gateway/server/process-guard.ts');
  guardProcess(logger);
  // Starting left ~20–35 MiB behind (the young generation grown by loading ~1,300 modules and parsing the config, and
  // their garbage) that nothing would give back until the first idle stretch after some requests: one collection now,
  // before the gateway says it is ready, starts it at what it holds (docs/performance.md#memory-what-to-expect).
  memoryReducingCollection();
  const store = handle.app.gateway.store;
  logger.info(
    {
      url: handle.url,
      version: VERSION,
      config: loaded.path,
      state: { kind: store.kind, location: store.location },
      require_keys: loaded.config.gateway.require_keys,
      ...(worker !== undefined ? { worker: Number(worker) } : {}),
    },
    worker !== undefined ? `gateway worker ${worker} listening` : 'gateway listening',
  );
  if (worker !== undefined) {
    // The primary prints the banner once every worker listens.
    process.send?.({ type: 'switchyard:ready', url: handle.url } satisfies FromWorker);
    return;
  }
  cli.stdout.write(`switchyard gateway listening on ${handle.url}\n`);
  cli.stdout.write(`  OpenAI base_url: ${handle.url}/v1   Anthropic base_url: ${handle.url}\n`);
  // The URL above is the one to use from this machine; a bind to every interface is said, since others reach it too.
  const bound = handle.app.server.address();
  const note = typeof bound === 'object' && bound !== null ? everyInterfaceNote(bound.address, bound.port) : undefined;
  if (note !== undefined) cli.stdout.write(`  ${note}\n`);
  cli.stdout.write(
    `  ${inEffectText({ config: loaded.path, state: { kind: store.kind, location: store.location } })}\n`,
  );
}

const KEY_COMMAND_REDIS_WAIT_MS = 10_000;

/** The store the gateway uses (gateway.state), opened for one CLI command. */
async function withStore<T>(cli: CliRun, cmd: Command, fn: (store: StateStore) => T | Promise<T>): Promise<T> {
  const loaded = cliConfig(cli, cmd);
  // The store's own "unreachable, kept locally" warning speaks of a running gateway; a key command says below what an
  // outage means for it instead.
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: cli.env,
    warn: () => {},
    // An operator's key command has nothing better to do than wait for Redis; a busy host answers in seconds.
    connectTimeoutMs: KEY_COMMAND_REDIS_WAIT_MS,
  });
  try {
    // Shared state that could not be read: the keys the replicas know are unknown here, so a revoke would say "no
    // such key" and a list would show none. Say what is wrong instead.
    const status = store.status();
    if (status.degradedBy?.includes('shared_store_unreachable') === true) {
      throw new UserError(
        `cannot reach the shared state store (Redis at ${status.location}): the gateway keys kept there are unknown until it is back${status.lastError ? ` (${status.lastError})` : ''}`,
        { exitCode: 1 },
      );
    }
    const result = await fn(store);
    // Written before anything is printed: a key shown as created must exist for the gateways (Redis may be down).
    await store.flush();
    return result;
  } finally {
    await store.close();
  }
}

function publicView(k: GatewayKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    created_at: new Date(k.created_at).toISOString(),
    last_used_at: k.last_used_at ? new Date(k.last_used_at).toISOString() : null,
    revoked_at: k.revoked_at ? new Date(k.revoked_at).toISOString() : null,
    mcp: k.mcp ?? null,
    user_from: k.user_from ?? null,
    user_hash: k.user_hash === true,
    guard: k.guard ?? null,
  };
}

/** The name given as `keys create NAME` or `--name NAME`; two different ones are refused rather than one guessed. */
function requestedName(positional: string | undefined, option: string | undefined): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new UserError(
      `two names given ("${positional}" and --name "${option}"); usage: switchyard gateway keys create [NAME | --name NAME] [--json]`,
    );
  }
  return positional ?? option;
}

type KeyCreateOptions = { name?: string; json?: boolean; guard?: string } & KeyMcpOptions & KeyUserOptions;

/** `--guard MODE`, checked before anything is stored. */
function guardOption(value: string | undefined): GuardMode | undefined {
  if (value === undefined) return undefined;
  if ((GUARD_MODES as readonly string[]).includes(value)) return value as GuardMode;
  throw new UserError(`--guard: expected one of ${GUARD_MODES.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`);
}

async function keysCreate(
  cli: CliRun,
  positional: string | undefined,
  opts: KeyCreateOptions,
  cmd: Command,
): Promise<void> {
  const requested = requestedName(positional, opts.name);
  const guard = guardOption(opts.guard);
  const change = mcpChangeOf(opts);
  const users = keyUserOf(opts);
  if (change.kind === 'set') warnUnknownServers(cli, change.list, cmd);
  const created = await withStore(cli, cmd, (store) => {
    const active = store.listGatewayKeys().filter((k) => !k.revoked_at);
    const name = requested ?? `key-${store.listGatewayKeys().length + 1}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/.test(name))
      throw new UserError(`the key's name: use letters, digits, _ . @ - (at most 64), got ${JSON.stringify(name)}`);
    if (active.some((k) => k.name === name))
      throw new UserError(`a gateway key named "${name}" already exists; pick another name or revoke it first`);
    const key = generateKey();
    const record = { ...newKeyRecord(key, name), ...users };
    if (change.kind === 'set') Object.assign(record, { mcp: change.list, mcp_updated_at: record.created_at });
    if (guard !== undefined) record.guard = guard;
    store.addGatewayKey(record);
    return { key, record };
  });
  if (opts.json) {
    cli.json({ ...publicView(created.record), key: created.key });
    return;
  }
  cli.stdout.write(
    `Created gateway key "${created.record.name}" (id ${created.record.id}). Copy it now; it is not shown again:\n\n  ${created.key}\n\n`,
  );
  cli.stdout.write(
    'Clients send it as `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic SDKs).\n',
  );
  // Where its end users come from is fixed at creation: said now, while a wrong choice is a revoke away.
  if (created.record.user_from !== undefined) cli.stdout.write(`${keyUserLine(created.record)}\n`);
}

/** A list naming servers the config does not define grants nothing for them now: said, not refused (the config may be
 * about to gain them). */
function warnUnknownServers(cli: CliRun, list: Parameters<typeof unknownServers>[0], cmd: Command): void {
  const unknown = unknownServers(list, cliConfig(cli, cmd).config);
  if (unknown.length)
    cli.stderr.write(`warning: --mcp-servers names servers mcp.servers does not define: ${unknown.join(', ')}\n`);
}

/** An active key by id or name, or a clear error. */
function activeKey(store: StateStore, idOrName: string): GatewayKeyRecord {
  const active = store.listGatewayKeys().filter((k) => !k.revoked_at);
  const found = matchOne(active, idOrName, (k) => k.name, 'gateway key');
  if (found) return found;
  throw new UserError(`no active gateway key has the id or name "${idOrName}"; see \`switchyard gateway keys list\``);
}

async function keysShow(
  cli: CliRun,
  idOrName: string,
  opts: { json?: boolean; connect?: boolean },
  cmd: Command,
): Promise<void> {
  const loaded = cliConfig(cli, cmd);
  // The servers are asked with the store open: a minted token of theirs is read from (and kept in) it.
  const { key, reached } = await withStore(cli, cmd, async (store) => {
    const key = activeKey(store, idOrName);
    return { key, reached: opts.connect === false ? undefined : await serversReached(loaded, store) };
  });
  const config = loaded.config;
  if (opts.json) cli.json({ ...publicView(key), explanation: keyShowLines(key, config, reached).slice(1) });
  else cli.stdout.write(keyShowText(key, config, reached));
}

/** Each configured MCP server's tools, listed as the gateway would (doctor's check); none configured: nothing. */
async function serversReached(loaded: LoadedConfig, store: StateStore): Promise<ServersReached | undefined> {
  if (Object.keys(loaded.config.mcp.servers).length === 0) return undefined;
  const checks = await checkMcpServers(loaded, store, false);
  return new Map(checks.map((c) => [c.server, c.ok ? { tools: c.toolNames ?? [] } : { error: c.error ?? 'failed' }]));
}

/** Replaces the allow-list whole: a pattern left out is gone, never kept from the old list (docs/mcp.md#allow-lists). */
async function keysUpdate(
  cli: CliRun,
  idOrName: string,
  opts: { json?: boolean } & KeyMcpOptions,
  cmd: Command,
): Promise<void> {
  const change = mcpChangeOf(opts);
  if (change.kind === 'keep')
    throw new UserError('nothing to update: give --mcp-tools, --mcp-servers (the new allow-list) or --no-mcp');
  if (change.kind === 'set') warnUnknownServers(cli, change.list, cmd);
  const updated = await withStore(cli, cmd, (store) => {
    const key = activeKey(store, idOrName);
    const next = store.setGatewayKeyMcp(key.id, change.kind === 'set' ? change.list : undefined, Date.now());
    if (next === undefined) throw new UserError(`gateway key "${key.name}" was revoked meanwhile; nothing updated`);
    return next;
  });
  if (opts.json) {
    cli.json(publicView(updated));
    return;
  }
  cli.stdout.write(
    `Updated gateway key "${updated.name}" (id ${updated.id}). A running gateway applies it within a second.\n`,
  );
  cli.stdout.write(keyShowText(updated, cliConfig(cli, cmd).config));
}

async function keysList(cli: CliRun, opts: { json?: boolean }, cmd: Command): Promise<void> {
  const records = await withStore(cli, cmd, (store) => store.listGatewayKeys());
  if (opts.json) {
    cli.json(records.map(publicView));
    return;
  }
  if (records.length === 0) {
    cli.stdout.write('No gateway keys yet. Create one with `switchyard gateway keys create --name NAME`.\n');
    return;
  }
  const when = (ms: number | undefined) => (ms ? formatClock(ms, { seconds: true }) : '-');
  cli.table(
    records.map((k) => [
      k.id,
      k.name,
      `${k.prefix}…`,
      when(k.created_at),
      when(k.last_used_at),
      keyUserCell(k),
      // A key's own secrets guard mode is said beside its status: it changes what its requests may carry.
      `${k.revoked_at ? `revoked ${when(k.revoked_at)}` : 'active'}${k.guard !== undefined ? `, guard ${k.guard}` : ''}`,
    ]),
    ['ID', 'NAME', 'KEY', 'CREATED', 'LAST USED', 'USERS', 'STATUS'],
  );
}

/** When a revocation takes effect: at once everywhere, except on a replica cut off from the shared store, which keeps
 * the list it last read (an outage must not fail every request: docs/gateway.md) — worth knowing when a key leaked. */
function revokedWhen(state: string): string {
  const now = 'A running gateway refuses it within a second.';
  if (state === 'sqlite') return now;
  return `${now} A replica that cannot reach Redis at this moment keeps accepting it until it reconnects (its /readyz says "degraded": true).`;
}

async function keysRevoke(cli: CliRun, idOrName: string, opts: { json?: boolean }, cmd: Command): Promise<void> {
  try {
    const outcome = await withStore(cli, cmd, (store) => revokeOrFindRevoked(store, idOrName));
    const { key, already } = outcome;
    const when = formatClock(key.revoked_at ?? Date.now(), { seconds: true });
    if (opts.json) cli.json({ ...publicView(key), already_revoked: already });
    else if (already)
      cli.stdout.write(`Gateway key "${key.name}" (id ${key.id}) was already revoked at ${when}; nothing to do.\n`);
    else
      cli.stdout.write(
        `Revoked gateway key "${key.name}" (id ${key.id}). ${revokedWhen(cliConfig(cli, cmd).config.gateway.state)}\n`,
      );
  } catch (err) {
    // --json promises JSON on stdout, failures included; the message still goes to stderr like every error.
    if (opts.json && UserError.isInstance(err)) cli.json({ error: err.message, exit_code: err.exitCode });
    throw err;
  }
}

/** Revoking is idempotent: a key that is already revoked is reported as such (exit 0), not as unknown. */
function revokeOrFindRevoked(store: StateStore, idOrName: string): { key: GatewayKeyRecord; already: boolean } {
  const revoked = store.revokeGatewayKey(idOrName);
  if (revoked) return { key: revoked, already: false };
  const earlier = matchOne(
    store.listGatewayKeys().filter((k) => k.revoked_at),
    idOrName,
    (k) => k.name,
    'revoked gateway key',
  );
  if (earlier) return { key: earlier, already: true };
  const hint = shortPrefixHint(
    store.listGatewayKeys().map((k) => k.id),
    idOrName,
  );
  throw new UserError(`no gateway key has the id or name "${idOrName}"${hint}; see \`switchyard gateway keys list\``);
}

interface ServiceOptions {
  print?: boolean;
  install?: boolean;
  force?: boolean;
  allowClone?: boolean;
}

async function service(cli: CliRun, opts: ServiceOptions, cmd: Command): Promise<void> {
  // Checked before anything is written: a flag that would be ignored means the user expected something else.
  if (opts.print && opts.install)
    throw new UserError('--print and --install cannot be used together: --print shows the unit, --install writes it');
  if (opts.force && !opts.install)
    throw new UserError('--force only applies to --install (it overwrites an existing unit)');
  const loaded = cliConfig(cli, cmd);
  if (!loaded.path) {
    throw new UserError(
      'no config file found: pass --config FILE (the service runs with an explicit config path), or create one with `switchyard config init`',
    );
  }
  // The unit loads the .env beside the config as the service's environment: for a cloned repository's file, that is
  // the user's decision, not a side effect.
  refuseUntrusted(
    cli,
    loaded,
    'the service would run it as a named config, with the .env beside it as its environment',
  );
  const command = serviceCommand(BIN, cli.env, opts.allowClone === true);
  const text = renderUnit({
    ...command,
    configPath: resolve(loaded.path),
    env: cli.env,
    drainTimeoutMs: loaded.config.gateway.drain_timeout,
  });
  // Said, not refused: the unit is right; what the service will read may not be what this shell has (seed 001).
  const warnings = [...(await serviceShellWarnings(loaded, cli.env)), ...systemdDotenvWarnings(loaded.dotenvPath)];
  for (const w of warnings) cli.stderr.write(`warning: ${w}\n`);
  if (!opts.install) {
    cli.stdout.write(text);
    return;
  }
  const path = installUnit(text, unitPath(cli.env), opts.force === true);
  cli.stdout.write(`Wrote ${path}\n`);
  // Installing only writes the file (enabling is the user's call); without a user manager the commands would fail, so
  // the note says where the unit does take effect, and how to run the gateway meanwhile.
  const missing = userManagerMissing(cli.env);
  if (missing === undefined) {
    cli.stdout.write(
      `Now run:\n${enableInstructions()
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    );
    return;
  }
  cli.stdout.write(
    `No systemd user manager answers here (${missing}): the unit takes effect in a login session under systemd, or for a user with lingering on (\`loginctl enable-linger "$USER"\`); there, run:\n`,
  );
  cli.stdout.write(
    `${enableInstructions()
      .slice(0, 2)
      .map((l) => `  ${l}`)
      .join('\n')}\n`,
  );
  cli.stdout.write(
    `Meanwhile, run the gateway yourself: ${[command.bin, 'gateway', '--config', resolve(loaded.path)].join(' ')}\n`,
  );
}

/** `gateway wait`: polls /readyz on gateway.listen until it answers 200, or the timeout passes. */
async function waitReady(cli: CliRun, opts: { timeout: string }, cmd: Command): Promise<void> {
  const timeoutMs = parseDuration(opts.timeout);
  if (timeoutMs === undefined)
    throw new UserError(`--timeout: expected a duration such as 30s or 2m, got ${JSON.stringify(opts.timeout)}`);
  const loaded = cliConfig(cli, cmd, { require: true, store: false });
  const { host, port } = parseListen(loaded.config.gateway.listen);
  if (port === 0)
    throw new UserError(
      `gateway.listen ${loaded.config.gateway.listen} picks a free port at start: there is no fixed address to wait on; give it a port`,
    );
  const url = `${localUrlFor(host, port)}/readyz`;
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    }
    if (Date.now() >= deadline)
      throw new UserError(`the gateway did not answer ${url} within ${opts.timeout} (last: ${last})`, { exitCode: 1 });
    await new Promise((r) => setTimeout(r, 250));
  }
  cli.stdout.write(`ready: ${url}\n`);
}
