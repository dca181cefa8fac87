// Hot reload: a new config replaces the gateway's and router's in one step, read and checked on a worker thread;
// an invalid one keeps the old (docs/gateway.md#hot-reload-and-shutdown).
import type { FastifyInstance } from 'fastify';
import type { LoadedConfig } from '../../config/types.ts';
import type { LoadOptions } from '../../config/load.ts';
import { loadConfigOffThread } from '../../config/load-off-thread.ts';
import { watchConfig } from '../../config/watch.ts';
import { UserError } from '../../user-error.ts';
import { scrubSecrets } from '../../log.ts';
import { settingsFrom, type GatewayContext } from '../context.ts';
import { forgetFormerHealth } from '../../library/forget-former.ts';
import { taskKeys } from '../../credentials/task-keys.ts';
import { keylessProviders } from '../../credentials/key-warnings.ts';
import { unknownClientKeyWarnings } from '../../budgets/client-keys.ts';
import { cloudCredentialWarnings } from '../../credentials/minted/source-warnings.ts';
import { missingCommandWarnings } from '../../mcp/command-check.ts';
import { resolveProviderKeys } from '../../credentials/resolve.ts';
import type { WithheldKey } from '../../credentials/host-binding.ts';
import { assertSafeListen, isLoopback } from '../../config/listen.ts';
import '../request/request-state.ts';

/** Applies a validated config to a running gateway; throws (a UserError) when it may not apply here. */
export function applyConfig(app: FastifyInstance, next: LoadedConfig): void {
  const ctx = app.gateway;
  const before = ctx.settings.loaded.config.gateway;
  const after = next.config.gateway;
  assertSafeHere(app, next);
  assertStillServes(ctx.settings.loaded, next);
  if (ctx.followsDotenv.size > 0) next.followsDotenv = ctx.followsDotenv;
  ctx.settings = settingsFrom(next);
  ctx.router.reload(next);
  // MCP servers added, removed or changed are (re)connected in the background; a failure is the server's, said when
  // it is next used.
  ctx.mcp
    .reload(next)
    .catch((err: unknown) => ctx.logger.warn({ err: scrubSecrets(String(err)) }, 'MCP servers not reloaded'));
  ctx.metrics.reloaded('ok');
  ctx.lastReload = { ok: true, at: Date.now() };
  // The log level applies at once: turning debug on to look at a problem must not need a restart.
  if (before.log_level !== after.log_level) changeLogLevel(ctx, after.log_level);
  if (before.require_keys !== after.require_keys) requireKeysChanged(ctx, after.require_keys);
  const restartOnly = (['listen', 'body_limit', 'state', 'state_prefix', 'workers'] as const).filter(
    (k) => before[k] !== after[k],
  );
  for (const k of restartOnly) restartOnlyChanged(ctx, k);
  // The admin key's warnings too (its ${VAR} unset, its value empty): they are the gateway's (admin-key.ts).
  for (const w of [...next.warnings, ...(next.gatewayWarnings ?? [])]) ctx.logger.warn(scrubSecrets(w));
  ctx.logger.info({ config: next.path, providers: Object.keys(next.config.providers).length }, 'config reloaded');
  afterReload(ctx, next);
}

/** Logging and tidying each take their own event-loop turn, so requests are served in between on large configs. */
function afterReload(ctx: GatewayContext, next: LoadedConfig): void {
  const step = (work: () => void, then?: () => void): void => {
    // An immediate set while handling I/O runs before any more I/O is handled; one set from it runs after.
    setImmediate(() =>
      setImmediate(() => {
        if (ctx.settings.loaded !== next) return;
        try {
          work();
        } catch (err) {
          ctx.logger.warn(
            { error: err instanceof Error ? err.message : String(err) },
            "could not finish the reload's checks",
          );
        }
        then?.();
      }),
    );
  };
  step(
    () => forgetFormerCredentials(ctx),
    () =>
      step(
        () => {
          warnKeyless(ctx, next);
          warnUnknownClientKeys(ctx, next);
          warnMissingSources(ctx, next);
        },
        () => step(() => logFirstKeys(ctx, next)),
      ),
  );
}

/** An edit must not get round what start refuses on a reachable address: `require_keys: false`, or losing the admin
 * key that guards /metrics. */
function assertSafeHere(app: FastifyInstance, next: LoadedConfig): void {
  const address = app.server.address();
  if (address === null || typeof address !== 'object') return;
  assertSafeListen(next, address.address, 'the address it is listening on');
  if (app.gateway.settings.adminKey !== undefined && !next.config.gateway.admin_key && !isLoopback(address.address)) {
    throw new UserError(
      `gateway.admin_key would no longer be set (an unset \${VAR}, an empty value or a removed line) while the gateway listens on ${address.address}, ` +
        'which other machines can reach: /metrics would be open to them; set it again, or restart the gateway to run without one',
    );
  }
}

/** A file cut short (a generator writing with `>`) must not drop `main:` or every provider and fail every request. */
function assertStillServes(current: LoadedConfig, next: LoadedConfig): void {
  const file = next.path ?? 'the config';
  const main = current.config.main;
  if (main && !next.config.main) {
    throw new UserError(
      `invalid config: ${file}: main: not set, and the running config has one (${main.provider}/${main.model}): every request for main would fail; set it again, or restart the gateway to run without one`,
    );
  }
  const before = Object.keys(current.config.providers).length;
  if (before > 0 && Object.keys(next.config.providers).length === 0) {
    throw new UserError(
      `invalid config: ${file}: providers: none left, and the running config has ${before}: every request would fail; put them back, or restart the gateway to run without any`,
    );
  }
}

/** Who may call changed: worth a line at warn when it opens the gateway, at info when it closes it. */
function requireKeysChanged(ctx: GatewayContext, required: boolean): void {
  if (required)
    ctx.logger.info(
      { setting: 'gateway.require_keys' },
      'gateway.require_keys is now true: every request needs a client key',
    );
  else
    ctx.logger.warn(
      { setting: 'gateway.require_keys' },
      'gateway.require_keys is now false: requests are answered without a client key',
    );
}

/** The line saying so is written under whichever of the two levels shows it (info → warn: before the change). */
function changeLogLevel(ctx: GatewayContext, level: string): void {
  const say = (): void => ctx.logger.info({ setting: 'gateway.log_level', level }, `gateway.log_level is now ${level}`);
  const shownBefore = ctx.logger.isLevelEnabled('info');
  if (shownBefore) say();
  ctx.logger.level = level;
  if (!shownBefore) say();
}

/** A setting read only at start changed. `--listen` wins over gateway.listen, also after a restart with the same
 * command line: "takes effect at the next restart" would be untrue, so the line says the override stays. */
function restartOnlyChanged(
  ctx: GatewayContext,
  key: 'listen' | 'body_limit' | 'state' | 'state_prefix' | 'workers',
): void {
  if (key === 'listen' && ctx.listenOverride !== undefined) {
    ctx.logger.info(
      { setting: 'gateway.listen', listen: ctx.listenOverride },
      `gateway.listen changed; --listen ${ctx.listenOverride} overrides it and stays in force`,
    );
    return;
  }
  ctx.logger.warn({ setting: `gateway.${key}` }, `gateway.${key} changed; it takes effect at the next restart`);
}

/** Names each provider with no key anywhere: under systemd, often the first sign a key lives only in the shell's
 * profile (seed 001). */
export function warnKeyless(ctx: GatewayContext, loaded: LoadedConfig): void {
  // The router's pool resolves each provider's keys once per config, for both questions and for the requests after
  // (forgetting former credentials has mostly done it already); another config is resolved here.
  const pool = ctx.router.config() === loaded ? ctx.router.pool : undefined;
  const keys = pool
    ? undefined
    : new Map(Object.keys(loaded.config.providers).map((p) => [p, resolveProviderKeys(loaded, ctx.router.store, p)]));
  const count = (p: string): number => (pool ? pool.candidates(p).length : (keys?.get(p)?.credentials.length ?? 0));
  const hasKey = (p: string): boolean => count(p) > 0 || taskKeys(loaded, p).length > 0;
  const withheld = (p: string): readonly WithheldKey[] => (pool ? pool.withheld(p) : (keys?.get(p)?.withheld ?? []));
  for (const w of keylessProviders(loaded, { hasKey, storeChecked: true, withheld })) ctx.logger.warn(w);
}

/** Budgets on a client key no stored key is named: they would never apply, and the config alone cannot tell. */
export function warnUnknownClientKeys(ctx: GatewayContext, loaded: LoadedConfig): void {
  // Keys kept in Redis and not read yet (unreachable, no copy): a key not found may exist all the same.
  if (ctx.store.gatewayKeysKnown?.() === false) return;
  for (const w of unknownClientKeyWarnings(loaded.config, ctx.store.listGatewayKeys())) ctx.logger.warn(w);
}

/** What a provider's cloud credentials or an MCP server's command need and is not there (an AWS profile, a key file,
 * a command not on PATH): every call through it would fail, and nothing else would say why before one does. */
export function warnMissingSources(ctx: GatewayContext, loaded: LoadedConfig): void {
  for (const w of missingCommandWarnings(loaded)) ctx.logger.warn(w);
  // Reading the AWS files is asynchronous; said when read, unless another config has replaced this one meanwhile.
  void cloudCredentialWarnings(loaded)
    .then((warnings) => {
      if (ctx.settings.loaded === loaded) for (const w of warnings) ctx.logger.warn(w);
    })
    .catch(() => {});
}

/** Per provider, which key the next request uses and why, so a key swap in the .env is seen to have taken. */
export function logFirstKeys(ctx: GatewayContext, loaded: LoadedConfig): void {
  for (const provider of Object.keys(loaded.config.providers)) {
    const e = ctx.router.pool.explain(provider);
    if (e.candidates.length === 0) continue;
    const first = e.next !== undefined ? { credential: e.next.fingerprint, key: e.next.masked } : {};
    ctx.logger.info({ provider, ...first }, `${provider}: ${scrubSecrets(e.summary)}`);
  }
}

/** At start and after each reload: the health of credentials no config knows any more, a month old, is forgotten. */
export function forgetFormerCredentials(ctx: GatewayContext): void {
  try {
    const n = forgetFormerHealth(ctx.router);
    if (n > 0)
      ctx.logger.info({ forgotten: n }, `forgot the health of ${n} former credential(s), unchanged for 30 days`);
  } catch (err) {
    ctx.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not forget former credentials');
  }
}

/** Logs why a new config was refused; the old one stays in force. */
export function rejectConfig(app: FastifyInstance, err: unknown): void {
  app.gateway.metrics.reloaded('invalid');
  const message = UserError.isInstance(err)
    ? [err.message, ...err.details].join('\n')
    : err instanceof Error
      ? err.message
      : String(err);
  app.gateway.logger.error(
    { error: scrubSecrets(message) },
    'new config is invalid; still serving with the previous one',
  );
  // Kept for /readyz and /admin/status: a log line alone is easy to miss, and the file on disk no longer says what runs.
  app.gateway.lastReload = { ok: false, at: Date.now(), error: scrubSecrets(message) };
}

/** Config loads, one at a time per gateway, so the last one applied is the newest. */
const loadQueues = new WeakMap<FastifyInstance, Promise<unknown>>();

function queuedLoad(app: FastifyInstance, options: LoadOptions): Promise<LoadedConfig> {
  const load = (loadQueues.get(app) ?? Promise.resolve()).then(() => loadConfigOffThread(options));
  loadQueues.set(
    app,
    load.catch(() => undefined),
  );
  return load;
}

/** Re-reads the config file the gateway started from (SIGHUP); resolves once the new config is applied or refused. */
export async function reloadFromDisk(app: FastifyInstance): Promise<void> {
  const current = app.gateway.settings.loaded;
  try {
    // A ./switchyard.yaml the gateway found in its directory stays that (host-binding.ts), though re-read by path.
    const next = await queuedLoad(app, {
      ...(current.path ? { configPath: current.path, reread: true } : {}),
      cwd: current.dir,
      env: app.gateway.reloadEnv,
      allowMissing: current.path === null,
      ...(current.localConfig ? { local: true } : {}),
    });
    applyConfig(app, next);
  } catch (err) {
    rejectConfig(app, err);
  }
}

/** Watches the config file and its .env; returns a function that stops watching. */
export function watchAndReload(app: FastifyInstance): () => void {
  const loaded = app.gateway.settings.loaded;
  if (!loaded.path) return () => {};
  const onChange = (next: LoadedConfig | UserError): void => {
    if (UserError.isInstance(next)) return rejectConfig(app, next);
    try {
      applyConfig(app, next);
    } catch (err) {
      rejectConfig(app, err);
    }
  };
  const load = (options: LoadOptions): Promise<LoadedConfig> => {
    // Said as SIGHUP says it: with a large config, the answer can be a second away.
    app.gateway.logger.info({ config: options.configPath }, 'config changed; reloading');
    return queuedLoad(app, options);
  };
  return watchConfig({ ...loaded, env: app.gateway.reloadEnv }, onChange, { load });
}
