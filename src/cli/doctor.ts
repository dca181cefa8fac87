// `switchyard doctor`: is this setup going to work? Config, every credential probed live, the state store, and
// each task's chain. Read-only unless --record. A readable report (or --json); exit 0 when all is well, 1 when
// something needs attention, 2 when the config itself is invalid.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { LoadedConfig } from '../config/types.ts';
import { systemdDotenvWarnings } from '../config/systemd-dotenv.ts';
import { UNIT_NAME, unitPath } from '../gateway/server/systemd.ts';
import { sharedKeyWarnings, withheldKeyWarnings } from './key-checks.ts';
import { streamingTimeoutWarnings } from '../config/streaming-warnings.ts';
import { unknownClientKeyWarnings } from '../budgets/client-keys.ts';
import { cloudCredentialWarnings } from '../credentials/minted/source-warnings.ts';
import { missingCommandWarnings } from '../mcp/command-check.ts';
import { shellOnlyWarnings } from './service-env.ts';
import { UserError } from '../user-error.ts';
import { scrubSecrets } from '../log.ts';
import { adapterFor } from '../providers/registry.ts';
import { doctorConfig, doctorStore, runDoctor, type DoctorReport } from '../inspect/doctor.ts';
import { openStore } from '../state/open.ts';
import { openCliStore, storeName } from './open-state.ts';
import type { DegradedReason, StateStore } from '../state/types.ts';
import { probeTable, readOnlyLine } from './probe-table.ts';
import { chainText } from '../inspect/task-chains.ts';
import { loginStatusLine } from '../mcp/login-status.ts';
import { formatClock } from '../errors/explain-format.ts';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';

export function register(program: Command, { cli }: { cli: CliRun }): void {
  program
    .command('doctor')
    .description("check the config, probe every credential live, check the state store and show each task's chain")
    .option(
      '--record',
      "save each probe's outcome in the state store as a request would (by default doctor changes nothing)",
    )
    .option('--json', 'machine-readable output')
    .action((opts: DoctorOptions, cmd: Command) => doctor(cli, cmd, opts));
}

function out(cli: CliRun, line = ''): void {
  cli.stdout.write(`${scrubSecrets(line)}\n`);
}

interface DoctorOptions {
  json?: boolean;
  record?: boolean;
}

async function doctor(cli: CliRun, cmd: Command, opts: DoctorOptions): Promise<void> {
  let loaded;
  try {
    loaded = cliConfig(cli, cmd, { require: true });
  } catch (err) {
    if (!UserError.isInstance(err)) throw err;
    if (opts.json)
      cli.json({
        ok: false,
        config: { ok: false, error: scrubSecrets(err.message), details: err.details.map(scrubSecrets) },
      });
    else {
      out(cli, `config   FAIL  ${err.message}`);
      for (const d of err.details) out(cli, `         ${d}`);
    }
    cli.exitCode = err.exitCode;
    return;
  }
  let store: StateStore;
  let storeError: string | undefined;
  try {
    store = await openCliStore(cli, {
      kind: loaded.config.gateway.state,
      prefix: loaded.config.gateway.state_prefix,
      env: cli.env,
    });
  } catch (err) {
    storeError = err instanceof Error ? err.message : String(err);
    store = openStore({ kind: 'memory' });
  }
  const table = opts.json ? undefined : probeTable(cli);
  try {
    // The admin key's too: doctor checks the config as `config check` does, gateway: section included.
    const warnings = [
      ...(loaded.gatewayWarnings ?? []),
      ...sharedKeyWarnings(loaded, store),
      ...withheldKeyWarnings(loaded, store),
      ...serviceWarnings(cli, loaded, store),
      ...streamingTimeoutWarnings(loaded.config),
      // What `config check` says would fail every call: budgets on no stored client key (when the store was read),
      // cloud credentials and MCP commands that are not there.
      ...(storeError === undefined && store.gatewayKeysKnown?.() !== false
        ? unknownClientKeyWarnings(loaded.config, store.listGatewayKeys())
        : []),
      ...(await cloudCredentialWarnings(loaded)),
      ...missingCommandWarnings(loaded),
    ];
    const input = {
      loaded,
      store,
      adapterFor,
      warnings,
      record: opts.record === true,
      ...(storeError !== undefined ? { storeError } : {}),
      ...(table ? { progress: table } : {}),
    };
    // What needs no probe is said first; the probes' rows follow as they come in.
    if (!opts.json) renderHead(cli, doctorConfig(input), doctorStore(input));
    const report = await runDoctor(input);
    table?.finish();
    if (opts.json) cli.json(report);
    else renderTail(cli, report, storeError === undefined ? storeName(store) : undefined);
    if (!report.ok) cli.exitCode = 1;
  } finally {
    table?.finish();
    await store.close();
  }
}

/** What a systemd service would see differently from this shell, said even with no unit installed: doctor runs in
 * the shell, the service is where it bites (docs/systemd.md#running-under-systemd). */
function serviceWarnings(cli: CliRun, loaded: LoadedConfig, store: StateStore): string[] {
  if (!loaded.path) return [];
  const installed = existsSync(unitPath(cli.env));
  const reader = installed
    ? `the installed service (${UNIT_NAME})`
    : 'a gateway run as a service (`switchyard gateway service`)';
  return [...shellOnlyWarnings(loaded, store, reader), ...(installed ? systemdDotenvWarnings(loaded.dotenvPath) : [])];
}

function renderHead(cli: CliRun, config: DoctorReport['config'], s: DoctorReport['store']): void {
  out(cli, `config   ok    ${config.path ?? '(no config file: every value is a default)'}`);
  for (const w of config.warnings) out(cli, `         warning: ${w}`);
  out(
    cli,
    s.ok
      ? `state    ok    ${s.kind} at ${s.location} (schema v${s.schemaVersion ?? '?'}, ${s.pendingWrites ?? 0} pending writes)`
      : `state    FAIL  ${s.kind} at ${s.location}: ${s.error ?? 'not healthy'}`,
  );
  if (s.degradedBy !== undefined) out(cli, `         ${degradedText(s.degradedBy)}`);
  out(cli);
  out(cli, 'credentials (live probe):');
}

/** What a degraded store means for a running gateway, reason by reason (docs/gateway.md#endpoints). */
function degradedText(reasons: readonly DegradedReason[]): string {
  const words: Record<DegradedReason, string> = {
    shared_store_unreachable: 'Redis is unreachable: each gateway keeps its state to itself until it answers',
    disk_full: 'the state file cannot grow: changes are kept in memory until it can',
    refresh_token_not_shared:
      'a rotated refresh token is not in Redis yet: other replicas spend the old one until it is written',
    usage_store: 'the usage ledger cannot be written: its rows are kept in the spool or in memory until it can',
    usage_spooling:
      'the PostgreSQL ledger is down or slow: its rows are kept in the local spool and sent when it is back',
    usage_spool_full: 'the usage spool is full or cannot be written: rows are kept in memory (up to 50,000)',
  };
  return `degraded (${reasons.join(', ')}): requests are served; ${reasons.map((r) => words[r]).join('; ')}`;
}

/** `store`: where --record would have written (none when the store could not be opened). */
function renderTail(cli: CliRun, r: DoctorReport, store: string | undefined): void {
  if (!r.recorded && store !== undefined && r.providers.some((p) => p.results.length > 0))
    out(cli, readOnlyLine(store));
  out(cli);
  out(cli, 'tasks:');
  for (const t of r.tasks) {
    if (t.status === 'disabled') {
      out(cli, `  ${t.task}: disabled (${t.reason ?? ''})`);
      continue;
    }
    const chain = chainText(t.task, t.routes, (i) => (t.routes[i]?.status === 'ok' ? '' : ' ✗'));
    out(cli, `  ${t.task}: ${t.status === 'ok' ? 'ok' : 'BROKEN'}${chain ? `  ${chain}` : ''}`);
    if (t.status === 'broken' && t.reason) out(cli, `    ${t.reason}`);
    for (const x of t.routes) if (x.note) out(cli, `    ${x.route}: ${x.note}`);
  }
  if (r.mcp.length > 0) {
    out(cli);
    out(cli, 'mcp servers:');
    const now = Date.now();
    const clock = (iso: string): string => formatClock(Date.parse(iso), { now, seconds: true });
    for (const m of r.mcp) {
      out(cli, `  ${m.server} (${m.kind}): ${m.ok ? `ok, ${m.tools ?? 0} tools` : `FAIL  ${m.error ?? ''}`}`);
      if (m.login !== undefined) out(cli, `    login: ${loginStatusLine(m.login, clock, now)}`);
    }
  }
  out(cli);
  const warned = r.config.warnings.length;
  // "all good" alone under a warning read as "nothing to do" (seed 001's shell-only key): count them.
  out(
    cli,
    r.ok
      ? `all good${warned > 0 ? `, with ${warned} warning${warned === 1 ? '' : 's'} above` : ''}`
      : 'problems found (see above)',
  );
}
