// A bench server (bench/serve.ts) in a process of its own: started, asked for its CPU time and memory (SIGUSR2),
// stopped. Used by the benchmark and the soak.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** What serve.ts reports on SIGUSR2; the memory figures only when it runs with --expose-gc. */
export interface ServerUsage {
  /** CPU time (µs) the process has used so far. */
  cpuMicros: number;
  /** Heap still reachable after a full collection. */
  heapUsed?: number;
  heapTotal?: number;
  rss?: number;
  /** V8's young generation (new space) as grown, before the collection. */
  young?: number;
}

export interface Served {
  child: ChildProcess;
  url: string;
  key?: string;
  usage(): Promise<ServerUsage>;
}

/** `checkout`: another clone's root, whose own bench/serve.ts (and src/) runs (bench/compare.bench.ts). */
export function serve(
  args: string[],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
  checkout?: string,
): Promise<Served> {
  const script = checkout === undefined ? join(HERE, 'serve.ts') : join(checkout, 'bench', 'serve.ts');
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  return new Promise((resolve, reject) => {
    nextLine().then((line) => {
      const info = JSON.parse(line) as { url: string; key?: string };
      const usage = async (): Promise<ServerUsage> => {
        const reply = nextLine();
        child.kill('SIGUSR2');
        return JSON.parse(await reply) as ServerUsage;
      };
      resolve({ child, ...info, usage });
    }, reject);
    child.once('exit', (code) => reject(new Error(`bench server ${args[0]} exited with ${code}`)));
  });
}

export function stop(s: Served): Promise<void> {
  return new Promise((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}
