// `switchyard auth test [P] [ID]` — a live probe of each credential (SPEC §2): valid / rejected / quota /
// rate-limited / unreachable, with latency; `model_unavailable` when the key got in but the model was not served (a
// failure: the route naming it cannot answer); `accepted` when only a models list could be tried (no model is known for
// the provider), which proves less and changes no state. A chat probe's outcome is recorded in the credential's
// health. Exit 0 when every probed credential can serve, 1 otherwise.
import type { Command } from 'commander';
import { CredentialPool } from '../credentials/pool.ts';
import { sourcesText } from '../credentials/describe.ts';
import { scrubSecrets } from '../log.ts';
import { adapterFor } from '../providers/registry.ts';
import { openCliStore } from './open-state.ts';
import { allValid, probeProviders, type ProviderProbe } from '../routing/probe-all.ts';
import { requireKnownProvider } from './provider-arg.ts';
import { authWarnings } from './auth-warnings.ts';
import { cliConfig, printJson, printTable } from './context.ts';

interface TestOptions {
  json?: boolean;
}

export function registerAuthTest(auth: Command): void {
  auth
    .command('test [provider] [id]')
    .description('probe each credential live (a one-token chat; a models list when no model is known): valid, accepted (models list only), model_unavailable, rejected, quota, rate-limited or unreachable')
    .option('--json', 'machine-readable output')
    .action((provider: string | undefined, id: string | undefined, opts: TestOptions, cmd: Command) => authTest(cmd, provider, id, opts));
}

async function authTest(cmd: Command, provider: string | undefined, id: string | undefined, opts: TestOptions): Promise<void> {
  const loaded = cliConfig(cmd, { require: true });
  // As every auth command: which of two values of a key variable is tried first decides what the probe means.
  const warn = authWarnings(loaded);
  const configured = Object.keys(loaded.config.providers);
  if (provider !== undefined) requireKnownProvider(loaded, provider);
  const store = await openCliStore({ kind: loaded.config.gateway.state, env: process.env });
  try {
    const pool = new CredentialPool({ loaded, store, onNotice: warn });
    const probes = await probeProviders({ loaded, store, pool, adapterFor, providers: provider ? [provider] : configured, ...(id !== undefined ? { id } : {}) });
    const ok = allValid(probes);
    if (opts.json) printJson({ ok, providers: probes });
    else printProbes(probes);
    if (!ok) process.exitCode = 1;
  } finally {
    await store.close();
  }
}

export function printProbes(probes: readonly ProviderProbe[]): void {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const p of probes) {
    if (p.proxy !== undefined) notes.push(`${p.provider}: through the proxy ${p.proxy}`);
    if (p.missing) {
      rows.push([p.provider, '-', '-', '-', 'missing', '-']);
      notes.push(p.missing);
    }
    for (const r of p.results) {
      // A task's own key says which task and where its value comes from; "config key" would send the user to the
      // provider's entry.
      rows.push([p.provider, r.credential.fingerprint, r.credential.masked, r.origin ?? sourcesText(r.credential.sources), r.status, `${r.latency_ms}ms`]);
      const whose = r.task !== undefined ? ` (${r.task}'s own key)` : '';
      if (r.status !== 'valid' || r.message !== 'accepted') notes.push(`${p.provider} ${r.credential.masked}${whose}: ${r.message}`);
    }
  }
  if (rows.length === 0) {
    process.stdout.write('no providers configured; add one under `providers:` in the config (see docs/config.md)\n');
    return;
  }
  printTable(rows, ['PROVIDER', 'ID', 'KEY', 'SOURCES', 'RESULT', 'LATENCY']);
  for (const n of notes) process.stdout.write(`  ${scrubSecrets(n)}\n`);
}
