// `gateway service --print|--install`: a systemd user unit reading the .env beside the config, so service and shell
// see the same keys (seed 001). Readiness via `gateway wait` (docs/systemd.md#running-under-systemd).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../../user-error.ts';

export const UNIT_NAME = 'switchyard-gateway.service';

export interface UnitOptions {
  /** Absolute path of the node binary that runs the service (process.execPath). */
  node: string;
  /** Absolute path of the installed `switchyard` command (or bin/switchyard.js). */
  bin: string;
  /** The config file the service runs with. */
  configPath: string;
  /** Variables that decide where state lives; copied so the service shares the CLI's store. */
  env?: Record<string, string | undefined>;
  /** The config's gateway.drain_timeout (ms): systemd waits that long and 10 s more before it kills the gateway. */
  drainTimeoutMs?: number;
}

const DEFAULT_DRAIN_MS = 30_000;

/** Variables the service must share with the shell to see the same state store. */
const CARRIED_ENV = ['SWITCHYARD_HOME', 'XDG_STATE_HOME'];

/** systemd's quoting for one ExecStart= argument: double quotes, with `\`, `"` escaped, and `%`/`$` doubled. */
export function quoteArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_./:@+=,%-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `%` is a specifier in every unit value; a path containing one must double it. */
function unitValue(value: string): string {
  return value.replace(/%/g, '%%');
}

export function renderUnit(options: UnitOptions): string {
  for (const [what, p] of [
    ['node', options.node],
    ['bin', options.bin],
    ['config', options.configPath],
  ] as const) {
    if (!isAbsolute(p)) throw new UserError(`service unit: the ${what} path must be absolute, got ${p}`);
  }
  const dir = dirname(options.configPath);
  const envLines = CARRIED_ENV.flatMap((name) => {
    const v = options.env?.[name];
    return v ? [`Environment=${quoteArg(`${name}=${resolve(v)}`)}`] : [];
  });
  const command = (...args: string[]): string =>
    [options.node, options.bin, ...args, '--config', options.configPath].map(quoteArg).join(' ');
  return [
    '# Written by `switchyard gateway service --install`. Regenerate rather than edit: it tracks the config path.',
    '[Unit]',
    'Description=Switchyard gateway (OpenAI/Anthropic-compatible, key rotation and fallback)',
    // No network-online.target: a user manager has no such target (it is the system manager's), and a gateway
    // needs no network to start: upstreams are reached per request.
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${unitValue(dir)}`,
    // The leading "-" keeps the unit working when there is no .env; keys then come from the config or the store.
    `EnvironmentFile=-${unitValue(join(dir, '.env'))}`,
    ...envLines,
    `ExecStart=${command('gateway')}`,
    // The unit is "started" once /readyz answers, so `systemctl --user start` returns on a gateway that serves.
    `ExecStartPost=${command('gateway', 'wait')}`,
    // SIGHUP reloads the config and .env without dropping requests.
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=2',
    // Exit 2 is a bad config or usage: restarting cannot fix it, and a restart loop would bury the reason in the log.
    'RestartPreventExitStatus=2',
    // SIGTERM drains in-flight requests; give streams time to finish before systemd escalates.
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${Math.ceil((options.drainTimeoutMs ?? DEFAULT_DRAIN_MS) / 1000) + 10}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** `$XDG_CONFIG_HOME/systemd/user/switchyard-gateway.service` (default `~/.config/…`). */
export function unitPath(env: Record<string, string | undefined> = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'systemd', 'user', UNIT_NAME);
}

/** Writes the unit; refuses to replace an existing one unless `force`. Returns the path written. */
export function installUnit(text: string, path: string, force: boolean): string {
  if (existsSync(path) && !force) {
    throw new UserError(`${path} already exists; pass --force to overwrite it (or --print to see the new unit)`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

/** Whether a systemd user manager answers for this user (`systemctl --user` reaches it): undefined when it does,
 * else why not, in a few words. */
export function userManagerMissing(env: Record<string, string | undefined>): string | undefined {
  const r = spawnSync('systemctl', ['--user', 'show-environment'], {
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 5_000,
  });
  if (r.error)
    return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'systemctl is not installed' : r.error.message;
  if (r.status === 0) return undefined;
  return r.stderr.trim().split('\n')[0] || `systemctl --user exited ${r.status ?? r.signal}`;
}

/** What to run after installing. */
export function enableInstructions(): string[] {
  return [
    `systemctl --user daemon-reload && systemctl --user enable --now ${UNIT_NAME}`,
    `journalctl --user -u ${UNIT_NAME} -f        # follow its logs`,
    'loginctl enable-linger "$USER"             # optional: keep it running when you are logged out',
  ];
}
