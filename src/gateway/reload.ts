// Hot reload (SPEC §7): a new config (file or .env edited, or SIGHUP) replaces the gateway's settings and the
// router's config in one step; requests already running keep the snapshot they started with. An invalid config
// keeps the old one and logs the located error. Changing `gateway.listen` (unless `--listen` overrides it), `body_limit`
// or `state` needs a restart.
import type { FastifyInstance } from 'fastify';
import type { LoadedConfig } from '../config/types.ts';
import { loadConfig } from '../config/load.ts';
import { watchConfig } from '../config/watch.ts';
import { UserError } from '../errors/user-error.ts';
import { scrubSecrets } from '../log.ts';
import { settingsFrom, type GatewayContext } from './context.ts';
import { forgetFormerHealth } from '../routing/forget-former.ts';
import { taskKeys } from '../routing/task-keys.ts';
import { keylessProviders } from '../config/key-warnings.ts';
import { resolveProviderKeys } from '../credentials/resolve.ts';
import type { WithheldKey } from '../credentials/host-binding.ts';
import { assertSafeListen, isLoopback } from './listen.ts';
import './request-state.ts';

/** Applies a validated config to a running gateway; throws (a UserError) when it may not apply here. */
export function applyConfig(app: FastifyInstance, next: LoadedConfig): void {
  const ctx = app.gateway;
  const before = ctx.settings.loaded.config.gateway;
  const after = next.config.gateway;
  assertSafeHere(app, next);
  if (ctx.followsDotenv.size > 0) next.followsDotenv = ctx.followsDotenv;
  ctx.settings = settingsFrom(next);
  ctx.router.reload(next);
  ctx.metrics.reloaded('ok');
  ctx.lastReload = { ok: true, at: Date.now() };
  // The log level applies at once: turning debug on to look at a problem must not need a restart.
  if (before.log_level !== after.log_level) changeLogLevel(ctx, after.log_level);
  if (before.require_keys !== after.require_keys) requireKeysChanged(ctx, after.require_keys);
  const restartOnly = (['listen', 'body_limit', 'state'] as const).filter((k) => before[k] !== after[k]);
  for (const k of restartOnly) restartOnlyChanged(ctx, k);
  // The admin key's warnings too (its ${VAR} unset, its value empty): they are the gateway's (admin-key.ts).
  for (const w of [...next.warnings, ...(next.gatewayWarnings ?? [])]) ctx.logger.warn(scrubSecrets(w));
  warnKeyless(ctx, next);
  ctx.logger.info({ config: next.path, providers: Object.keys(next.config.providers).length }, 'config reloaded');
  forgetFormerCredentials(ctx);
}

/** `require_keys: false` is refused at start on an address other machines can reach; an edit while the gateway
 * listens on one must not get round that (it would open the gateway to anyone who can reach it). Nor may an edit
 * lose the admin key there — a `.env` rewritten with the variable missing would silently open /metrics to them:
 * running without one on such an address is a choice made at start, where the log says so. */
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

/** Who may call changed: worth a line at warn when it opens the gateway, at info when it closes it. */
function requireKeysChanged(ctx: GatewayContext, required: boolean): void {
  if (required) ctx.logger.info({ setting: 'gateway.require_keys' }, 'gateway.require_keys is now true: every request needs a client key');
  else ctx.logger.warn({ setting: 'gateway.require_keys' }, 'gateway.require_keys is now false: requests are answered without a client key');
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
function restartOnlyChanged(ctx: GatewayContext, key: 'listen' | 'body_limit' | 'state'): void {
  if (key === 'listen' && ctx.listenOverride !== undefined) {
    ctx.logger.info({ setting: 'gateway.listen', listen: ctx.listenOverride }, `gateway.listen changed; --listen ${ctx.listenOverride} overrides it and stays in force`);
    return;
  }
  ctx.logger.warn({ setting: `gateway.${key}` }, `gateway.${key} changed; it takes effect at the next restart`);
}

/**
 * At start and after each reload: each provider with no key anywhere (config, environment, .env, stored, or a task's
 * own key) is named, as `config check` names it. Under systemd this is often the first sign that a key lives only in
 * the shell's profile, which a service never reads (seed 001); without it the first word would be a failed request.
 */
export function warnKeyless(ctx: GatewayContext, loaded: LoadedConfig): void {
  // Each provider's keys resolved once, for both questions.
  const keys = new Map(Object.keys(loaded.config.providers).map((p) => [p, resolveProviderKeys(loaded, ctx.router.store, p)]));
  const hasKey = (p: string): boolean => (keys.get(p)?.credentials.length ?? 0) > 0 || taskKeys(loaded, p).length > 0;
  const withheld = (p: string): readonly WithheldKey[] => keys.get(p)?.withheld ?? [];
  for (const w of keylessProviders(loaded, { hasKey, storeChecked: true, withheld })) ctx.logger.warn(w);
}

/** At start and after each reload: the health of credentials no config knows any more, a month old, is forgotten. */
export function forgetFormerCredentials(ctx: GatewayContext): void {
  try {
    const n = forgetFormerHealth(ctx.router);
    if (n > 0) ctx.logger.info({ forgotten: n }, `forgot the health of ${n} former credential(s), unchanged for 30 days`);
  } catch (err) {
    ctx.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not forget former credentials');
  }
}

/** Logs why a new config was refused; the old one stays in force. */
export function rejectConfig(app: FastifyInstance, err: unknown): void {
  app.gateway.metrics.reloaded('invalid');
  const message = UserError.isInstance(err) ? [err.message, ...err.details].join('\n') : err instanceof Error ? err.message : String(err);
  app.gateway.logger.error({ error: scrubSecrets(message) }, 'new config is invalid; still serving with the previous one');
  // Kept for /readyz and /admin/status: a log line alone is easy to miss, and the file on disk no longer says what runs.
  app.gateway.lastReload = { ok: false, at: Date.now(), error: scrubSecrets(message) };
}

/** Re-reads the config file the gateway started from (SIGHUP). */
export function reloadFromDisk(app: FastifyInstance): void {
  const current = app.gateway.settings.loaded;
  try {
    // A ./switchyard.yaml the gateway found in its directory stays that (host-binding.ts), though re-read by path.
    const next = loadConfig({ ...(current.path ? { configPath: current.path, reread: true } : {}), cwd: current.dir, env: app.gateway.reloadEnv, allowMissing: current.path === null, ...(current.localConfig ? { local: true } : {}) });
    applyConfig(app, next);
  } catch (err) {
    rejectConfig(app, err);
  }
}

/** Watches the config file and its .env; returns a function that stops watching. */
export function watchAndReload(app: FastifyInstance): () => void {
  const loaded = app.gateway.settings.loaded;
  if (!loaded.path) return () => {};
  return watchConfig({ ...loaded, env: app.gateway.reloadEnv }, (next) => {
    if (UserError.isInstance(next)) return rejectConfig(app, next);
    try {
      applyConfig(app, next);
    } catch (err) {
      rejectConfig(app, err);
    }
  });
}
