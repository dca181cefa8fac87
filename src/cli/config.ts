// `switchyard config check | show | init | trust` (docs/config.md).
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { keepPathsUnder } from '../log.ts';
import { UserError } from '../user-error.ts';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';
import { configYaml, displayConfig, displayValue, explainRows } from '../config/render.ts';
import { EXAMPLE_CONFIG } from '../config/example.ts';
import { systemdDotenvWarnings } from '../config/systemd-dotenv.ts';
import { keylessProviders } from '../credentials/key-warnings.ts';
import { unpricedBudgetWarnings } from '../budgets/unpriced.ts';
import { unknownClientKeyWarnings } from '../budgets/client-keys.ts';
import { cloudCredentialWarnings } from '../credentials/minted/source-warnings.ts';
import { missingCommandWarnings } from '../mcp/command-check.ts';
import { limitsOf } from '../budgets/rules.ts';
import { openStore, statePath } from '../state/open.ts';
import { storeName } from './open-state.ts';
import type { StateStore } from '../state/types.ts';
import { streamingTimeoutWarnings } from '../config/streaming-warnings.ts';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { taskChainLine, taskChains } from '../inspect/task-chains.ts';
import { sharedKeyWarnings } from './key-checks.ts';
import { reportError } from './report-error.ts';
import { trustCommand, type TrustOptions } from './config-trust.ts';
import { trustConfig } from '../config/trust.ts';
import { routeName } from '../config/route-name.ts';

export function register(program: Command, { cli }: { cli: CliRun }): void {
  const config = program.command('config').description('check, show and create the configuration');
  config
    .command('check')
    .argument('[files...]', 'config files to check (default: the one --config or discovery finds)')
    .description('validate the config file(s); errors name file:line:col and the key')
    .option(
      '--json',
      'machine-readable output: {ok, files: [{path, ok, providers, main, warnings} or {path, ok: false, error, details}]}',
    )
    .action((files: string[], opts: { json?: boolean }, cmd: Command) =>
      checkFiles(cli, files.length ? files : [undefined], cmd, opts.json === true),
    );
  config
    .command('show')
    .description('print the resolved config (secrets masked)')
    .option('--explain', 'show where every value came from (file:line, env, .env, default)')
    .option('--json', 'machine-readable output')
    .action((opts: { explain?: boolean; json?: boolean }, cmd: Command) => show(cli, cmd, opts));
  config
    .command('init')
    .description('write a commented example config')
    .option('--path <file>', 'where to write it', 'switchyard.yaml')
    .action((opts: { path: string }) => init(cli, opts.path));
  config
    .command('trust')
    .argument('[file]', 'the config file (default: ./switchyard.yaml)')
    .description('let a ./switchyard.yaml found in the current directory read your environment (its keys, ${VAR})')
    .option('--remove', 'take the trust back')
    .option('--list', 'list the trusted files')
    .action((file: string | undefined, opts: TrustOptions) => trustCommand(cli, file, opts));
}

function summary(loaded: LoadedConfig): string {
  const providers = Object.keys(loaded.config.providers).length;
  const main = loaded.config.main ? `main ${loaded.config.main.provider}/${loaded.config.main.model}` : 'no main route';
  return `${providers} provider${providers === 1 ? '' : 's'}, ${main}`;
}

/** One file's verdict, as `config check --json` gives it. */
type Checked =
  | { path: string; ok: true; providers: string[]; main: string | null; warnings: string[] }
  | { path: string | null; ok: false; error: string; details: string[] };

async function checked(cli: CliRun, loaded: LoadedConfig, name: string): Promise<Checked> {
  // Providers with no key: a reminder (their stored keys are not looked at; the state store is opened only to read
  // client keys a budget names).
  // The systemd differences too: `gateway service` hands this .env to the service through EnvironmentFile=.
  const warnings = [
    ...loaded.warnings,
    ...(loaded.gatewayWarnings ?? []),
    ...keylessProviders(loaded),
    ...sharedKeyWarnings(loaded),
    ...systemdDotenvWarnings(loaded.dotenvPath),
    ...unpricedBudgetWarnings(loaded.config),
    ...streamingTimeoutWarnings(loaded.config),
    ...(await clientKeyWarnings(cli, loaded)),
    ...(await cloudCredentialWarnings(loaded)),
    ...missingCommandWarnings(loaded),
  ];
  const main = loaded.config.main ? routeName(loaded.config.main) : null;
  return { path: loaded.path ?? name, ok: true, providers: Object.keys(loaded.config.providers), main, warnings };
}

/** Budgets naming a client key the state store does not hold. The store is opened only for a config with such a
 * budget, quietly (what `check` says of it is only what its keys mean for the budgets), and a state file not made yet
 * is not created: it holds no keys. */
async function clientKeyWarnings(cli: CliRun, loaded: LoadedConfig): Promise<string[]> {
  if (!limitsOf(loaded.config).some((l) => l.scope.kind === 'client_key')) return [];
  const kind = loaded.config.gateway.state;
  if (kind === 'sqlite' && !existsSync(statePath({ env: cli.env }))) return unknownClientKeyWarnings(loaded.config, []);
  const notChecked = (why: string): string[] => [`the budgets' client keys were not checked: ${why}`];
  let store: StateStore | undefined;
  try {
    store = openStore({ kind, env: cli.env, warn: () => {} });
    await store.ready();
    // Redis unreachable, and no copy of the keys it last gave: a key not found may exist all the same.
    if (store.gatewayKeysKnown?.() === false) return notChecked(`${storeName(store)} could not be read`);
    return unknownClientKeyWarnings(loaded.config, store.listGatewayKeys());
  } catch (err) {
    return notChecked(`the state store could not be opened (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    await store?.close().catch(() => {});
  }
}

function printChecked(cli: CliRun, loaded: LoadedConfig, c: Extract<Checked, { ok: true }>): void {
  cli.stdout.write(`ok: ${c.path} (${summary(loaded)})\n`);
  for (const w of c.warnings) cli.stdout.write(`warning: ${w}\n`);
}

/** Checks each file named, or the discovered one (`undefined`). A missing file is an error here: checking nothing is
 * almost certainly a wrong directory. */
async function checkFiles(cli: CliRun, files: (string | undefined)[], cmd: Command, json: boolean): Promise<void> {
  let worst = 0;
  const results: Checked[] = [];
  for (const file of files) {
    try {
      const loaded = file === undefined ? loadNamed(cli, cmd) : loadArgument(cli, file);
      const c = await checked(cli, loaded, file ?? '(defaults)');
      results.push(c);
      if (!json && c.ok) printChecked(cli, loaded, c);
    } catch (err) {
      worst = Math.max(worst, reportError(err, cli));
      if (UserError.isInstance(err))
        results.push({
          path: file === undefined ? null : resolve(cli.cwd, file),
          ok: false,
          error: err.message,
          details: [...err.details],
        });
    }
  }
  if (json) cli.json({ ok: worst === 0, files: results });
  cli.exitCode = worst;
}

function loadNamed(cli: CliRun, cmd: Command): LoadedConfig {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  return loadConfig({ configPath: opts.config, env: cli.env, cwd: cli.cwd, allowMissing: false });
}

function loadArgument(cli: CliRun, file: string): LoadedConfig {
  // Named as an argument, so the loader's "(from --config)" wording would mislead.
  const path = resolve(cli.cwd, file);
  if (!existsSync(path)) throw new UserError(`config file ${path} does not exist`);
  return loadConfig({
    configPath: path,
    env: cli.env,
    cwd: cli.cwd,
    allowMissing: false,
    configFrom: 'the command line',
  });
}

function show(cli: CliRun, cmd: Command, opts: { explain?: boolean; json?: boolean }): void {
  const loaded = cliConfig(cli, cmd, { store: false });
  for (const w of [...loaded.warnings, ...(loaded.gatewayWarnings ?? [])]) cli.stderr.write(`warning: ${w}\n`);
  if (opts.explain) {
    const rows = explainRows(loaded, opts.json === true);
    const chains = taskChains(loaded.config);
    if (opts.json) return cli.json({ path: loaded.path, values: rows, chains });
    cli.stdout.write(`# ${loaded.path ?? 'no config file found: every value is a default'}\n`);
    cli.table(
      rows.map((r) => [r.path, displayValue(r.value), r.from]),
      ['KEY', 'VALUE', 'FROM'],
    );
    // What the values above add up to: the order each task tries its routes in.
    cli.stdout.write("\nchains (each task's routes, in the order they are tried):\n");
    for (const c of chains) cli.stdout.write(`  ${taskChainLine(c)}\n`);
    return;
  }
  if (opts.json) return cli.json(displayConfig(loaded, true));
  cli.stdout.write(`# ${loaded.path ?? 'no config file found: every value is a default'}\n${configYaml(loaded)}`);
}

/** A file `config init` wrote is the user's: it may read their environment when found as ./switchyard.yaml
 * (src/config/local-env.ts). Not being able to record that is no reason to fail the init. */
function trustWritten(cli: CliRun, target: string): void {
  try {
    trustConfig(target, cli.env);
  } catch (err) {
    cli.stderr.write(
      `warning: ${(err as Error).message}; run \`switchyard config trust\` in its directory to let it read your environment's keys\n`,
    );
  }
}

function init(cli: CliRun, path: string): void {
  // resolve('') is the current directory, which would then be reported as "already exists".
  if (path.trim() === '')
    throw new UserError('config init --path: expected a file name, got an empty string', {
      details: ['e.g. --path switchyard.yaml'],
    });
  const target = resolve(cli.cwd, path);
  keepPathsUnder(dirname(target));
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new UserError(`${target} is a directory, not a file`, {
      details: [`give a file name inside it: --path ${join(path, 'switchyard.yaml')}`],
    });
  }
  mkdirSync(dirname(target), { recursive: true });
  try {
    // `wx`: create only; never overwrite a config someone already wrote.
    writeFileSync(target, EXAMPLE_CONFIG, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new UserError(`${target} already exists; not overwriting it`, {
        details: ['choose another file with --path, or remove it first'],
      });
    throw new UserError(`cannot write ${target}: ${code ?? String(err)}`);
  }
  cli.stdout.write(`wrote ${target}\n`);
  trustWritten(cli, target);
  cli.stdout.write(
    'next: put your keys in the environment or in a .env file beside it (MIMO_API_KEY=…), then run `switchyard config check`\n',
  );
}
