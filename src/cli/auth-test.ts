// `switchyard auth test [P] [ID]`: a live, read-only probe of each credential, one row as each completes
// (docs/credentials.md#auth-test-p-id).
import type { Command } from 'commander';
import { CredentialPool } from '../credentials/pool.ts';
import { adapterFor } from '../providers/registry.ts';
import { closeCliStore, openCliStore, storeName } from './open-state.ts';
import { allValid, probeProviders } from '../inspect/probe-all.ts';
import { requireKnownProvider } from './provider-arg.ts';
import { authWarnings, jsonConfigWarnings } from './auth-warnings.ts';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { probeTable, readOnlyLine } from './probe-table.ts';

interface TestOptions {
  json?: boolean;
  record?: boolean;
}

export function registerAuthTest(auth: Command, cli: CliRun): void {
  auth
    .command('test [provider] [id]')
    .description(
      'probe each credential live (a one-token chat; a models list when no model is known; for a cloud, a models list its signature, token or key must pass, no chat): valid, rejected (never worked), suspect (worked before), quota, rate-limited, unreachable, …; records nothing unless --record',
    )
    .option(
      '--record',
      'save each outcome in the state store as a request would (a valid key is ok again, a failing one is set aside)',
    )
    .option('--json', 'machine-readable output')
    .action((provider: string | undefined, id: string | undefined, opts: TestOptions, cmd: Command) =>
      authTest(cli, cmd, provider, id, opts),
    );
}

async function authTest(
  cli: CliRun,
  cmd: Command,
  provider: string | undefined,
  id: string | undefined,
  opts: TestOptions,
): Promise<void> {
  const loaded = cliConfig(cli, cmd, { require: true });
  // As every auth command: which of two values of a key variable is tried first decides what the probe means.
  const warn = authWarnings(cli, loaded);
  const configured = Object.keys(loaded.config.providers);
  if (provider !== undefined) requireKnownProvider(loaded, provider);
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: cli.env,
  });
  const table = opts.json ? undefined : probeTable(cli);
  try {
    const pool = new CredentialPool({ loaded, store, onNotice: warn });
    const record = opts.record === true;
    const probes = await probeProviders({
      loaded,
      store,
      pool,
      adapterFor,
      providers: provider ? [provider] : configured,
      record,
      ...(id !== undefined ? { id } : {}),
      ...(table ? { progress: table } : {}),
    });
    table?.finish();
    const ok = allValid(probes);
    if (opts.json) cli.json({ ok, recorded: record, providers: probes, ...jsonConfigWarnings(loaded) });
    else if (!record && probes.some((p) => p.results.length > 0))
      cli.stdout.write(`${readOnlyLine(storeName(store))}\n`);
    if (!ok) cli.exitCode = 1;
  } finally {
    table?.finish();
    await closeCliStore(cli, store);
  }
}
