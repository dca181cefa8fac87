// `switchyard auth list|explain|add|remove|reset` (docs/credentials.md); `auth login` for MCP servers (auth-login.ts). Every command opens the state store, does its work
// through the same CredentialPool the router uses (so what it shows is what a request would do), and closes the
// store before returning so queued writes are on disk and the process exits at once.
import { explainMcpServer, printMcpExplanation } from './auth-mcp.ts';
import type { Command } from 'commander';
import type { LoadedConfig } from '../config/types.ts';
import { requireKnownProvider } from './provider-arg.ts';
import { formatClock } from '../errors/explain-format.ts';
import { describeCredential } from '../credentials/describe.ts';
import { fingerprint, mask } from '../config/mask.ts';
import { CredentialPool, type ProviderExplanation, type ResetOutcome } from '../credentials/pool.ts';
import { readSecret } from '../credentials/secret-input.ts';
import {
  CANDIDATE_HEADER,
  candidateRow,
  candidateRows,
  healthUnknown,
  withheldLine,
  withheldRow,
} from '../credentials/table.ts';
import { keyTarget } from '../credentials/host-binding.ts';
import type { CandidateStatus } from '../credentials/types.ts';
import { hasOwnKey, taskOutlook } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';
import { taskKeyStatus, taskKeys } from '../credentials/task-keys.ts';
import { taskChainLine, taskChains, type TaskChain } from '../inspect/task-chains.ts';
import { UserError } from '../user-error.ts';
import { closeCliStore, openCliStore, storeName } from './open-state.ts';
import { matchOne, shortPrefixHint } from '../state/match.ts';
import type { StateStore, StoredCredential } from '../state/types.ts';
import { registerAuthTest } from './auth-test.ts';
import { registerAuthLogin } from './auth-login.ts';
import { mintedLine, mintedViews, registerAuthRefresh, type MintedView } from './auth-minted.ts';
import { authWarnings, jsonConfigWarnings } from './auth-warnings.ts';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { cacheLines, cacheView, ledgerByKey } from './auth-cache.ts';

interface AuthContext {
  cli: CliRun;
  loaded: LoadedConfig;
  store: StateStore;
  pool: CredentialPool;
}

interface JsonOption {
  json?: boolean;
}

export function register(program: Command, { cli }: { cli: CliRun }): void {
  const auth = program.command('auth').description('list, explain, add, remove and reset provider credentials');
  auth
    .command('list [provider]')
    .description('every credential of every provider (or one), in use order, with its health')
    .option('--json', 'machine-readable output')
    .action((provider: string | undefined, opts: JsonOption, cmd: Command) =>
      withAuth(cli, cmd, (ctx) => list(ctx, provider, opts)),
    );
  auth
    .command('explain <provider>')
    .description('which credential the next request uses, and why')
    .option('--json', 'machine-readable output')
    .action((provider: string, opts: JsonOption, cmd: Command) =>
      withAuth(cli, cmd, (ctx) => explain(ctx, provider, opts)),
    );
  auth
    .command('add <provider>')
    .description('store a key (read from stdin, or a hidden prompt; never from the command line)')
    .option('--label <label>', 'a name to refer to the key by')
    .option('--priority <n>', 'order among stored keys: lower first (default 0)')
    .option('--json', 'machine-readable output')
    // A key typed after the provider is caught by us (with advice), not by commander's "too many arguments".
    .allowExcessArguments(true)
    .action((provider: string, opts: AddOptions, cmd: Command) =>
      withAuth(cli, cmd, (ctx) => add(ctx, provider, cmd.args.length > 1, opts)),
    );
  auth
    .command('remove <provider> <id-or-label>')
    .description('delete a stored key (by ID, a unique ID prefix, or label)')
    .option('--json', 'machine-readable output')
    .action((provider: string, id: string, opts: JsonOption, cmd: Command) =>
      withAuth(cli, cmd, (ctx) => remove(ctx, provider, id, opts)),
    );
  auth
    .command('rebind <provider> <id-or-label>')
    .description(
      'let a stored key go to the host the config names for the provider now (it is sent only to the host it was added for)',
    )
    .option('--json', 'machine-readable output')
    .action((provider: string, id: string, opts: JsonOption, cmd: Command) =>
      withAuth(cli, cmd, (ctx) => rebind(ctx, provider, id, opts)),
    );
  auth
    .command('reset <provider> [id]')
    .description(
      "clear cooldowns and rejections (all of the provider's credentials, or one); a running gateway sees it within a second",
    )
    .option('--json', 'machine-readable output')
    .action((provider: string, id: string | undefined, opts: JsonOption, cmd: Command) =>
      withAuth(cli, cmd, (ctx) => reset(ctx, provider, id, opts)),
    );
  registerAuthTest(auth, cli);
  registerAuthLogin(auth, cli);
  registerAuthRefresh(
    auth,
    (cmd, fn) => withAuth(cli, cmd, fn),
    (ctx, provider) => requireProvider(ctx as AuthContext, provider, true),
  );
}

async function withAuth(cli: CliRun, cmd: Command, fn: (ctx: AuthContext) => void | Promise<void>): Promise<void> {
  const loaded = cliConfig(cli, cmd, { require: true });
  const warn = authWarnings(cli, loaded);
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: cli.env,
  });
  let failed = false;
  try {
    await fn({ cli, loaded, store, pool: new CredentialPool({ loaded, store, onNotice: warn }) });
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A command that failed said why (a reset that was not saved says so itself).
    await (failed ? store.close() : closeCliStore(cli, store));
  }
}

function knownProviders(ctx: AuthContext): string[] {
  const names = new Set(Object.keys(ctx.loaded.config.providers));
  for (const c of ctx.store.listStoredCredentials()) names.add(c.provider);
  return [...names];
}

function requireProvider(ctx: AuthContext, provider: string, configured = false): void {
  requireKnownProvider(
    ctx.loaded,
    provider,
    configured ? Object.keys(ctx.loaded.config.providers) : knownProviders(ctx),
  );
}

/** A task's own key (`auxiliary.T.api_key`), shown under its provider: the task tries it before the provider's keys. */
interface TaskKeyView extends CandidateStatus {
  task: string;
  /** `auxiliary.title_generation.api_key ← .env TITLE_KEY (switchyard.yaml:9)` */
  where: string;
  /** What the task does when its own route cannot answer: `the task goes on to deepseek/deepseek-chat (main)`, or
   * that its calls fail, for a chain with nothing after that route. */
  next: string;
}

/** The explanation plus the tasks' own keys. `health_known: false` when Redis has not answered: an empty local view
 * would otherwise read as "ok, never succeeded". */
type Explained = ProviderExplanation & { task_keys: TaskKeyView[]; health_known?: false };

function explainWithTasks(ctx: AuthContext, provider: string): Explained {
  const now = Date.now();
  const views = taskKeys(ctx.loaded, provider).map((k) => ({
    task: k.task,
    where: k.where,
    next: afterOwnRoute(ctx.loaded, k.task),
    ...taskKeyStatus(ctx.store, k, now),
  }));
  const unknown = ctx.store.sharedStateRead?.() === false ? { health_known: false as const } : {};
  return { ...ctx.pool.explain(provider), task_keys: views, ...unknown };
}

/** Said under a table whose health is unknown (Explained.health_known). */
function unknownHealthLine(store: StateStore): string {
  return `note: ${storeName(store)} has not answered since this command started, so every key's health is unknown here (the gateways keep theirs); the order is the config's`;
}

/** The route after the task's own one in its resolved chain — or, when there is none, that the task's calls fail:
 * "goes on to the next route" would promise a fallback `fallback_to_main: false` and an empty chain do not give. */
function afterOwnRoute(loaded: LoadedConfig, task: string): string {
  const plan = taskOutlook(loaded.config, task);
  if (plan.status === 'broken') return 'the task goes on to the next route of its chain, if any';
  const routes = plan.status === 'chain' ? plan.routes : [];
  const own = routes.findIndex((r) => r.origin === `auxiliary.${task}` && hasOwnKey(r));
  const next = routes.slice(own + 1).find((r) => !r.invalid);
  if (next) return `the task goes on to ${routeName(next)} (${next.origin})`;
  const t = loaded.config.auxiliary[task];
  const chain =
    (t?.fallback_chain.length ?? 0) === 0 ? 'its fallback_chain is empty' : 'no route of its fallback_chain is usable';
  const why =
    t?.fallback_to_main === false
      ? `auxiliary.${task}.fallback_to_main is false and ${chain}`
      : 'no other route is configured';
  return `${task} has no other route (${why}): its calls fail until the key is fixed or replaced`;
}

function taskKeyRow(v: TaskKeyView, now: number): string[] {
  // A blank marker cell keeps the columns where the provider's table (with its →) has them.
  return [' ', ...candidateRow({ ...v, position: 0, next: false }, now, v.where).slice(1)];
}

/** What the task does with its own key next: the same question `auth explain` answers for the provider. */
function taskKeyLine(e: Explained, v: TaskKeyView): string {
  const key = `its own key ${v.credential.masked} (${v.credential.fingerprint})`;
  const others = e.candidates.length > 0;
  if (!v.usable) {
    const skips = `${v.task} skips ${key} (${v.why ?? 'unusable'})`;
    return others ? `${skips} and uses the keys above` : `${skips}; ${e.provider} has no other key, so ${v.next}`;
  }
  const first =
    v.health.state === 'rejected' ? `tries ${key} once more (${v.why ?? 'its probe is due'})` : `uses ${key} first`;
  return `${v.task} ${first}${others ? ', then the keys above' : ''}`;
}

function printExplanation(cli: CliRun, e: Explained, now: number, store: StateStore): void {
  cli.stdout.write(`${e.provider} (strategy ${e.strategy})\n`);
  const unknown = e.health_known === false;
  const rows = [...candidateRows(e, now).map((r) => (unknown ? healthUnknown(r) : r)), ...e.withheld.map(withheldRow)];
  if (rows.length > 0) cli.table(rows, CANDIDATE_HEADER);
  if (unknown) cli.stdout.write(`${unknownHealthLine(store)}\n`);
  // With the health unknown, "usable" means only "by the config's order": said so.
  const summary =
    unknown && e.candidates.length > 0 ? `${e.summary} (by the config's order: its health is unknown here)` : e.summary;
  cli.stdout.write(`${e.candidates.length > 0 ? '→ ' : ''}${summary}\n`);
  // With no other key the summary already says why they are held back.
  if (e.candidates.length > 0) for (const w of e.withheld) cli.stdout.write(`${withheldLine(w)}\n`);
  if (e.task_keys.length === 0) return;
  cli.stdout.write(
    `tasks' own keys (each tried first by its task, before ${e.candidates.length > 0 ? 'the keys above' : `any key of ${e.provider}`}):\n`,
  );
  cli.table(
    e.task_keys.map((v) => (unknown ? healthUnknown(taskKeyRow(v, now)) : taskKeyRow(v, now))),
    CANDIDATE_HEADER,
  );
  for (const v of e.task_keys) cli.stdout.write(`→ ${taskKeyLine(e, v)}\n`);
}

/** The explanation with what is known of the provider's minted credentials (auth-minted.ts). */
async function explainWithMinted(ctx: AuthContext, provider: string): Promise<Explained & { minted: MintedView[] }> {
  return { ...explainWithTasks(ctx, provider), minted: await mintedViews(ctx.pool, ctx.store, provider) };
}

function printMinted(cli: CliRun, explanations: readonly (Explained & { minted: MintedView[] })[], now: number): void {
  for (const e of explanations) for (const v of e.minted) cli.stdout.write(`${mintedLine(e.provider, v, now)}\n`);
}

async function list(ctx: AuthContext, provider: string | undefined, opts: JsonOption): Promise<void> {
  if (provider !== undefined) requireProvider(ctx, provider);
  const providers = provider !== undefined ? [provider] : knownProviders(ctx);
  const explanations = await Promise.all(providers.map((p) => explainWithMinted(ctx, p)));
  if (opts.json) return ctx.cli.json({ providers: explanations, ...jsonConfigWarnings(ctx.loaded) });
  if (explanations.length === 0) {
    ctx.cli.stdout.write('no providers configured; add one under `providers:` in the config (see docs/config.md)\n');
    return;
  }
  const now = Date.now();
  const unknown = explanations.some((e) => e.health_known === false);
  const health = (row: string[]): string[] => (unknown ? healthUnknown(row, 1) : row);
  const rows = explanations.flatMap((e) => [
    ...(e.candidates.length > 0 || e.withheld.length > 0
      ? candidateRows(e, now, true).map(health)
      : [[e.provider, '', '', '-', 'none', 'missing', '-', '-', '-']]),
    ...e.withheld.map((w) => [e.provider, ...withheldRow(w)]),
    ...e.task_keys.map((v) => health([e.provider, ...taskKeyRow(v, now)])),
  ]);
  ctx.cli.table(rows, ['PROVIDER', ...CANDIDATE_HEADER]);
  if (unknown) ctx.cli.stdout.write(`${unknownHealthLine(ctx.store)}\n`);
  for (const w of explanations.flatMap((e) => e.withheld)) ctx.cli.stdout.write(`${withheldLine(w)}\n`);
  printMinted(ctx.cli, explanations, now);
}

async function explain(ctx: AuthContext, provider: string, opts: JsonOption): Promise<void> {
  // An MCP server's name, unless a provider has the same one (the provider's keys are what `auth` is mostly about).
  if (ctx.loaded.config.mcp.servers[provider] !== undefined && ctx.loaded.config.providers[provider] === undefined) {
    const e = await explainMcpServer(ctx.loaded, ctx.store, ctx.pool.minter, provider);
    return opts.json ? ctx.cli.json({ mcp: e }) : printMcpExplanation(ctx.cli, e);
  }
  requireProvider(ctx, provider);
  const e = await explainWithMinted(ctx, provider);
  const chains = taskChains(ctx.loaded.config).filter((c) => c.routes.some((r) => r.provider === provider));
  const now = Date.now();
  const ledger = await ledgerByKey(ctx.loaded, now);
  const cache = cacheView(ctx.loaded.config, ctx.store, provider, e.candidates, now, ledger);
  if (opts.json) return ctx.cli.json({ ...e, chains, prompt_cache: cache, ...jsonConfigWarnings(ctx.loaded) });
  printExplanation(ctx.cli, e, now, ctx.store);
  printMinted(ctx.cli, [e], now);
  for (const line of cacheLines(provider, cache)) ctx.cli.stdout.write(`${line}\n`);
  printChains(ctx.cli, provider, chains);
}

/** The tasks whose chains go through the provider, each chain whole: where these keys are used, and what comes
 * before and after them. */
function printChains(cli: CliRun, provider: string, chains: readonly TaskChain[]): void {
  if (chains.length === 0) {
    cli.stdout.write(
      `no task's chain goes through ${provider} (a gateway request naming ${provider}/MODEL can still use it)\n`,
    );
    return;
  }
  cli.stdout.write(`chains through ${provider} (each task's routes, in the order they are tried):\n`);
  for (const c of chains) cli.stdout.write(`  ${taskChainLine(c)}\n`);
}

interface AddOptions extends JsonOption {
  label?: string;
  priority?: string;
}

async function add(ctx: AuthContext, provider: string, keyOnArgv: boolean, opts: AddOptions): Promise<void> {
  if (keyOnArgv) {
    throw new UserError(
      'refusing to read a key from the command line (it would stay in your shell history and be visible in `ps`)',
      {
        details: [
          `pipe it instead:  printf %s "$KEY" | switchyard auth add ${provider}`,
          `or run \`switchyard auth add ${provider}\` and paste it at the hidden prompt`,
        ],
      },
    );
  }
  requireProvider(ctx, provider, true);
  const priority = parsePriority(opts.priority);
  const secret = await readSecret(`API key for ${provider} (input hidden): `, ctx.cli);
  if (secret.length === 0) throw new UserError(`no key given: pipe it on stdin or type it at the prompt`);
  // No masked excerpt here: the "last four characters" of two pasted keys would be part of the second one.
  if (/\s/.test(secret))
    throw new UserError(`the key for ${provider} contains spaces or several lines; give exactly one key`);
  // The key is bound to the host the config sends the provider to now: it is never sent anywhere else.
  const target = keyTarget(ctx.loaded, provider)!;
  const entry = {
    id: fingerprint(secret),
    provider,
    secret,
    priority,
    origin: target.origin,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
  };
  const stored = addOnce(ctx, entry);
  const out = {
    provider,
    id: stored.id,
    masked: mask(secret),
    label: stored.label ?? null,
    priority: stored.priority,
    origin: target.origin,
  };
  if (opts.json) return ctx.cli.json(out);
  const label = stored.label !== undefined ? `, label "${stored.label}"` : '';
  ctx.cli.stdout.write(
    `stored ${provider} key ${out.masked} (ID ${stored.id}${label}, priority ${stored.priority}) for ${target.origin}\n`,
  );
  ctx.cli.stdout.write(
    `  it is sent only there: to ${provider} as ${target.setting} (${target.writtenAt}) names it now\n`,
  );
  const also = ctx.pool.candidates(provider).find((c) => c.credential.fingerprint === stored.id);
  if (also && also.credential.sources.length > 1)
    ctx.cli.stdout.write(`note: the same key is also in ${describeCredential(also.credential)}\n`);
  ctx.cli.stdout.write(`→ ${ctx.pool.explain(provider).summary}\n`);
}

/** The same key stored again, bound elsewhere: the store's "already stored" plus how to move it. */
function addOnce(ctx: AuthContext, entry: Omit<StoredCredential, 'created_at'>): StoredCredential {
  const existing = ctx.store.listStoredCredentials(entry.provider).find((c) => c.id === entry.id);
  if (existing && existing.origin !== entry.origin) {
    throw new UserError(
      `that key is already stored for ${entry.provider} (ID ${entry.id}), for ${existing.origin ?? 'a host not recorded yet'}`,
      {
        details: [
          `to send it to ${entry.origin ?? 'this host'} instead: \`switchyard auth rebind ${entry.provider} ${entry.id}\``,
        ],
      },
    );
  }
  return ctx.store.addStoredCredential(entry);
}

function parsePriority(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^-?\d+$/.test(text))
    throw new UserError(`--priority expects a whole number (lower is used first), got "${text}"`);
  return Number(text);
}

function remove(ctx: AuthContext, provider: string, idOrLabel: string, opts: JsonOption): void {
  requireProvider(ctx, provider);
  const removed = ctx.store.removeStoredCredential(provider, idOrLabel);
  if (!removed) throw notStored(ctx, provider, idOrLabel);
  const out = { provider, id: removed.id, masked: mask(removed.secret), label: removed.label ?? null };
  if (opts.json) return ctx.cli.json(out);
  ctx.cli.stdout.write(
    `removed stored ${provider} key ${out.masked} (ID ${removed.id}${removed.label !== undefined ? `, label "${removed.label}"` : ''})\n`,
  );
}

/** `auth rebind P ID`: the stored key may go to the host the config names for P now, and only there. */
function rebind(ctx: AuthContext, provider: string, idOrLabel: string, opts: JsonOption): void {
  requireProvider(ctx, provider, true);
  const target = keyTarget(ctx.loaded, provider)!;
  const before = ctx.store.bindStoredCredential(provider, idOrLabel, target.origin);
  if (!before) throw notStored(ctx, provider, idOrLabel, 'it goes wherever the config that names it sends it');
  const out = {
    provider,
    id: before.id,
    masked: mask(before.secret),
    label: before.label ?? null,
    origin: target.origin,
    previous_origin: before.origin ?? null,
  };
  if (opts.json) return ctx.cli.json(out);
  const label = before.label !== undefined ? `, label "${before.label}"` : '';
  const was =
    before.origin === undefined
      ? 'it had no host recorded'
      : before.origin === target.origin
        ? 'it already was'
        : `it was for ${before.origin}, and is not sent there any more`;
  ctx.cli.stdout.write(
    `stored ${provider} key ${out.masked} (ID ${before.id}${label}) is now for ${target.origin}, as ${target.setting} (${target.writtenAt}) names it; ${was}\n`,
  );
  ctx.cli.stdout.write(`→ ${ctx.pool.explain(provider).summary}\n`);
}

/** Not a stored key: say where it comes from, since only stored keys can be removed. Matched by the store's rules so
 * a short prefix of a stored key's ID is not taken for "not stored". */
function notStored(
  ctx: AuthContext,
  provider: string,
  idOrLabel: string,
  advice = 'remove it where it is set',
): UserError {
  const candidates = ctx.pool
    .candidates(provider)
    .map((c) => ({ id: c.credential.fingerprint, credential: c.credential }));
  // A task's own key is not stored either: say where it is set rather than "no such key".
  for (const k of taskKeys(ctx.loaded, provider)) {
    if (candidates.some((c) => c.id === k.credential.fingerprint)) continue;
    candidates.push({
      id: k.credential.fingerprint,
      credential: { ...k.credential, sources: [{ kind: 'config', where: k.where }] },
    });
  }
  const match = matchOne(candidates, idOrLabel, (c) => c.credential.label, `credential of ${provider}`);
  if (match && !match.credential.sources.some((s) => s.kind === 'stored')) {
    return new UserError(
      `${describeCredential(match.credential)} is not a stored key; ${advice} (${match.credential.sources.map((s) => s.where).join(', ')})`,
    );
  }
  // Exit 2 like `auth reset P ID` and `auth test P ID` with an ID that matches nothing: a bad argument.
  const hint = shortPrefixHint(
    candidates.map((c) => c.id),
    idOrLabel,
  );
  return new UserError(
    `no stored key of ${provider} matches "${idOrLabel}"${hint}; see \`switchyard auth list ${provider}\``,
  );
}

async function reset(
  ctx: AuthContext,
  provider: string,
  idOrLabel: string | undefined,
  opts: JsonOption,
): Promise<void> {
  requireProvider(ctx, provider);
  const outcome = ctx.pool.reset(provider, idOrLabel);
  await saveReset(ctx, provider);
  const explanation = explainWithTasks(ctx, provider);
  const store = { kind: ctx.store.kind, location: ctx.store.location };
  if (opts.json) {
    ctx.cli.json({ provider, changed: outcome.reset.length, ...outcome, store, explanation });
  } else {
    const now = Date.now();
    for (const line of resetLines(ctx, provider, idOrLabel, outcome, now)) ctx.cli.stdout.write(`${line}\n`);
    printExplanation(ctx.cli, explanation, now, ctx.store);
  }
  // What was asked for did not happen: a failure recorded after the reset still sets a key aside.
  if (outcome.still_set_aside.length > 0) ctx.cli.exitCode = 1;
}

/** What the reset changed, said of the keys it changed: "ok again" only of a key that was set aside and is ok now. */
function resetLines(
  ctx: AuthContext,
  provider: string,
  idOrLabel: string | undefined,
  outcome: ResetOutcome,
  now: number,
): string[] {
  const at = `as of ${formatClock(now, { now, seconds: true })} in ${storeName(ctx.store)}`;
  const lines: string[] = [];
  const { reset: changed, already_ok: alreadyOk, still_set_aside: still } = outcome;
  if (changed.length > 0) {
    const all = idOrLabel === undefined && still.length === 0;
    const what = all
      ? 'all credentials are'
      : changed.length === 1
        ? `credential ${changed[0]} is`
        : `credentials ${changed.join(', ')} are`;
    const others =
      alreadyOk.length > 0 ? `; ${alreadyOk.length} ${alreadyOk.length === 1 ? 'was' : 'were'} ok already` : '';
    lines.push(`reset ${provider}: ${keysChanged(changed.length)} — ${what} ok again ${at}${others}`);
    // Said because a reset in one store does nothing for a gateway using another (a shell and a service with
    // different SWITCHYARD_HOME): the reset looks done while the gateway keeps refusing.
    lines.push(
      '  a running gateway sees it within a second if it uses this state store (the same SWITCHYARD_HOME, or the same gateway.state)',
    );
  } else if (still.length === 0) {
    const what =
      idOrLabel !== undefined
        ? `credential ${alreadyOk[0]} was ok already`
        : alreadyOk.length > 0
          ? `every credential of ${provider} was ok already`
          : `${provider} has no credential to reset`;
    lines.push(`reset ${provider}: nothing to reset (${keysChanged(0)}): ${what} (${at})`);
  }
  for (const fp of still) {
    const record = ctx.store.getHealth(fp);
    const when = record?.state_at !== undefined ? ` at ${formatClock(record.state_at, { now, seconds: true })}` : '';
    lines.push(
      `reset ${provider}: credential ${fp} is still set aside: its state was recorded${when}, after this reset (a process whose clock is ahead of this one's), and a failure recorded after a reset stands; run the reset again once that time has passed`,
    );
  }
  for (const [fp, others] of Object.entries(outcome.shared)) {
    lines.push(
      `  ${fp} is also ${others.join(' and ')}'s key, and health is kept per key: it is ok again for ${others.length > 1 ? 'them' : others[0]} too`,
    );
  }
  return lines;
}

function keysChanged(n: number): string {
  return `${n} key${n === 1 ? '' : 's'} changed`;
}

/** A reset only this process saw changes nothing for a gateway: written first, so "ok again" is never said of a reset
 * that was not saved (a Redis that is down queues it, and the queue ends with the process). */
async function saveReset(ctx: AuthContext, provider: string): Promise<void> {
  try {
    await ctx.store.flush();
  } catch (err) {
    const why = ctx.store.status().lastError ?? (err instanceof Error ? err.message : String(err));
    const where =
      ctx.store.kind === 'redis'
        ? `${storeName(ctx.store)} is unreachable (${why})`
        : `${storeName(ctx.store)} could not be written (${why})`;
    throw new UserError(`the reset of ${provider} was not saved: ${where}; nothing changed for a running gateway`, {
      exitCode: 1,
      details: [
        ctx.store.kind === 'redis'
          ? 'start Redis or fix gateway.state, then run the reset again'
          : 'fix the state directory, then run the reset again',
      ],
      cause: err,
    });
  }
}
