// `switchyard gateway` as a user runs it, for the benches that measure the gateway process itself: bin/switchyard.js
// (its allocator settings, the compile cache), a config file, a SQLite state home, log lines to a file as under
// systemd; from this clone's sources, or from a copy laid out as the installed package. bench/serve.ts starts the
// gateway in-process instead, which skips the CLI's loading and start-up.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The package as installed, in `dir`: what `npm pack` ships that a gateway runs (bin/, the built dist/, dist-ui/,
 * package.json) and this clone's node_modules linked. Without src/ beside it, bin/switchyard.js runs dist/ as an
 * installed `switchyard` does. Builds with tsc (~1 min), leaving the clone's own dist/ alone. Returns its root. */
export function installedCopy(dir: string): string {
  const root = join(dir, 'package');
  mkdirSync(root, { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(root, 'dist')], {
    stdio: 'inherit',
  });
  for (const part of ['bin', 'dist-ui', 'package.json'])
    if (existsSync(join(ROOT, part))) cpSync(join(ROOT, part), join(root, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

export interface CliGateway {
  child: ChildProcess;
  url: string;
  /** A client key, when asked for one (the config requires keys). */
  key?: string;
}

export interface CliGatewayOptions {
  /** A directory of its own: the config file, the state home (`home/`) and the log go there. */
  dir: string;
  config: string;
  /** Options after `gateway` (`--workers 2`). */
  args?: string[];
  /** Create a client key first (`switchyard gateway keys create bench --json`). */
  clientKey?: boolean;
  /** The environment: PATH and SWITCHYARD_HOME are added; by default nothing else, as under systemd. */
  env?: Record<string, string>;
  /** Run the `switchyard` of this package root (installedCopy) instead of the clone's. */
  root?: string;
  /** Node's own flags for the gateway (`--no-memory-reducer`): bin/switchyard.js keeps them when it starts node
   * again with the gateway's settings. */
  nodeFlags?: readonly string[];
}

export async function startCliGateway(options: CliGatewayOptions): Promise<CliGateway> {
  const { dir } = options;
  const cli = join(options.root ?? ROOT, 'bin', 'switchyard.js');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'switchyard.yaml');
  writeFileSync(configPath, options.config, { mode: 0o600 });
  const env = { ...options.env, PATH: process.env['PATH'] ?? '', SWITCHYARD_HOME: join(dir, 'home') };
  const key = options.clientKey
    ? (
        JSON.parse(
          execFileSync(
            process.execPath,
            [cli, 'gateway', 'keys', 'create', 'bench', '--config', configPath, '--json'],
            {
              env,
              encoding: 'utf8',
            },
          ),
        ) as { key: string }
      ).key
    : undefined;
  const argv = [...(options.nodeFlags ?? []), cli, 'gateway', '--config', configPath, ...(options.args ?? [])];
  const child = spawn(process.execPath, argv, {
    env,
    stdio: ['ignore', 'pipe', openSync(join(dir, 'gateway.log'), 'a')],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) resolve({ child, url: m[1], ...(key !== undefined ? { key } : {}) });
    });
    child.once('exit', (code) => reject(new Error(`switchyard gateway exited with ${code} (log: ${dir}/gateway.log)`)));
  });
}

export function stopCliGateway(g: CliGateway): Promise<void> {
  return new Promise((resolve) => {
    if (g.child.exitCode !== null || g.child.signalCode !== null) return resolve();
    g.child.once('exit', () => resolve());
    g.child.kill('SIGTERM');
  });
}

/** The fake upstream in both shapes, as `bench/bench-model` and `bench_anthropic/claude-bench`; client keys required
 * and the usage ledger on, as a gateway usually runs. */
export function benchGatewayConfig(upstreamUrl: string): string {
  return `providers:
  bench:
    type: openai
    base_url: ${upstreamUrl}/v1
    api_key: sk-bench-upstream-key-0000
    models: { bench-model: { price: { input: 1, output: 2 } } }
  bench_anthropic:
    type: anthropic
    base_url: ${upstreamUrl}
    api_key: sk-bench-upstream-key-0000
    models: { claude-bench: { price: { input: 1, output: 2 } } }
main: { provider: bench, model: bench-model }
usage: { store: sqlite }
gateway: { listen: '127.0.0.1:0', require_keys: true, log_level: info }
`;
}
