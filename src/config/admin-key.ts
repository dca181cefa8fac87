// Warnings about a missing `gateway.admin_key`, which leaves /metrics open (and, with `gateway.sso` and no client
// secret, the dashboard with nothing to sign its sessions). They are gatewayWarnings, not `warnings`:
// the library and `chat` run no gateway (docs/config.md#gateway).
import type { Config } from './schema.ts';
import type { LoadedConfig, Origin } from './types.ts';

const ADMIN_OFF = "so the gateway's admin endpoints are off and /metrics is served without a key";
const SUBJECT = 'gateway.admin_key';
const NOT_SET = `${SUBJECT} is not set, ${ADMIN_OFF}`;

/** Its `${VAR}` unset, its value empty, or none in a `gateway:` section. Without that section `config check` does not
 * nag; the gateway says it at start (`gatewayAdminKeyWarning`). */
export function adminKeyWarnings(
  config: Config,
  written: unknown,
  unsetVar: string | undefined,
  origin: Origin | undefined,
): string[] {
  return [...keyWarnings(config, written, unsetVar, origin), ...unsignedSso(config)];
}

function keyWarnings(config: Config, written: unknown, unsetVar: string | undefined, origin: Origin | undefined) {
  if (unsetVar) return [`${SUBJECT}: \${${unsetVar}} is not set, ${ADMIN_OFF}`];
  const empty = emptyAdminKey(config, origin);
  if (empty) return [empty];
  if (config.gateway.admin_key === undefined && hasGatewaySection(written)) return [NOT_SET];
  return [];
}

/** `gateway.sso` with nothing to sign the dashboard's sessions with (src/gateway/ui/access.ts): it would be off. */
function unsignedSso(config: Config): string[] {
  const g = config.gateway;
  if (g.sso === undefined || g.sso.client_secret !== undefined || g.admin_key !== undefined) return [];
  return [
    "gateway.sso has no client_secret and gateway.admin_key is not set: nothing signs the dashboard's sessions, " +
      'so the dashboard is off; set one of them',
  ];
}

/** At the gateway's start: the config's admin key warnings, or the same "not set" for a config with no `gateway:`
 * section. */
export function gatewayAdminKeyWarning(loaded: LoadedConfig): string[] {
  if (loaded.gatewayWarnings !== undefined) return loaded.gatewayWarnings;
  return loaded.config.gateway.admin_key === undefined ? [NOT_SET] : [];
}

function hasGatewaySection(written: unknown): boolean {
  return typeof written === 'object' && written !== null && Object.hasOwn(written, 'gateway');
}

/** `admin_key: ""`, or `${SWITCHYARD_ADMIN_KEY}` with `SWITCHYARD_ADMIN_KEY=` in .env: no key at all, treated as
 * unset (removed from the config) and said, since it silently leaves /metrics open. */
function emptyAdminKey(config: Config, origin: Origin | undefined): string | undefined {
  const key = config.gateway.admin_key;
  if (key === undefined || key.trim() !== '') return undefined;
  delete config.gateway.admin_key;
  const from = origin && origin.kind !== 'default' && 'name' in origin ? ` (\${${origin.name}} is set but empty)` : '';
  return `${SUBJECT} is empty${from}, which counts as unset, ${ADMIN_OFF}`;
}
