// The streaming load generator, run in a process of its own (bench/stream.bench.ts spawns it) so its CPU never shares
// an event loop with a server under test. Holds `streams` streams open at once, opened over `rampMs`, and prints one
// JSON line: each stream's time to first body byte, how many completed (their end marker seen) and why others failed.
// Usage: node bench/stream-load.ts '<StreamLoadJob as JSON>'
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { agentBody } from './agent-body.ts';

export interface StreamLoadJob {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Instead of `body`, an agent's streamed request of about `bytes` (bench/agent-body.ts), made in the load
   * generator: an argument is limited to 128 KiB. */
  agent?: { shape: 'openai' | 'anthropic'; bytes: number; model: string };
  streams: number;
  rampMs: number;
  /** Text the end of a complete stream holds (`[DONE]`, `message_stop`). */
  terminal: string;
  /** A stream not over by then fails (a connect lost in an overflowing queue would otherwise hold the run). */
  timeoutMs?: number;
}

/** What a job in one client shape asks: `model` through `server` (with its client key), C streams over a ramp. */
export function shapedStreamJob(
  client: 'openai' | 'anthropic',
  server: { url: string; key?: string },
  model: string,
  load: { streams: number; rampMs: number; timeoutMs?: number; agentBytes?: number },
): StreamLoadJob {
  const key = server.key ?? '';
  return {
    ...(load.agentBytes !== undefined && load.agentBytes > 0
      ? { agent: { shape: client, bytes: load.agentBytes, model } }
      : {}),
    url: server.url,
    path: client === 'openai' ? '/v1/chat/completions' : '/v1/messages',
    headers: client === 'openai' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key },
    body: JSON.stringify({
      model,
      stream: true,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Tell me a long story.' }],
    }),
    terminal: client === 'openai' ? '[DONE]' : 'message_stop',
    streams: load.streams,
    rampMs: load.rampMs,
    ...(load.timeoutMs !== undefined ? { timeoutMs: load.timeoutMs } : {}),
  };
}

export interface StreamLoadResult {
  /** ms from sending the request to the first body byte, per stream that had one, sorted. */
  ttfts: number[];
  completed: number;
  failed: number;
  /** A few of the failures' reasons. */
  reasons: string[];
  clientCpuMicros: number;
}

function runOne(job: StreamLoadJob, agent: Agent, done: (ttft: number | undefined, failure?: string) => void): void {
  const t0 = performance.now();
  let ttft: number | undefined;
  let tail = '';
  let settled = false;
  const finish = (failure?: string): void => {
    if (settled) return;
    settled = true;
    done(ttft, failure);
  };
  const req = request(
    `${job.url}${job.path}`,
    { method: 'POST', agent, headers: { 'content-type': 'application/json', ...job.headers } },
    (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish(`status ${res.statusCode}`);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        ttft ??= performance.now() - t0;
        tail = (tail + text).slice(-400);
      });
      res.on('end', () => finish(tail.includes(job.terminal) ? undefined : `no ${job.terminal} at the end`));
      res.on('error', (err) => finish(err.message));
    },
  );
  req.on('error', (err) => finish(err.message));
  if (job.timeoutMs !== undefined) {
    const timer = setTimeout(() => {
      finish(`not over within ${job.timeoutMs} ms`);
      req.destroy();
    }, job.timeoutMs);
    req.once('close', () => clearTimeout(timer));
  }
  req.end(job.body);
}

export function runStreams(given: StreamLoadJob): Promise<StreamLoadResult> {
  const job =
    given.agent === undefined
      ? given
      : { ...given, body: agentBody(given.agent.shape, given.agent, given.agent.model, true) };
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const cpu0 = process.cpuUsage();
  const ttfts: number[] = [];
  const reasons: string[] = [];
  let completed = 0;
  let failed = 0;
  return new Promise((resolve) => {
    const one = (ttft: number | undefined, failure?: string): void => {
      if (ttft !== undefined) ttfts.push(ttft);
      if (failure === undefined) completed++;
      else {
        failed++;
        if (reasons.length < 5) reasons.push(failure);
      }
      if (completed + failed < job.streams) return;
      agent.destroy();
      const cpu = process.cpuUsage(cpu0);
      resolve({
        ttfts: ttfts.sort((a, b) => a - b),
        completed,
        failed,
        reasons,
        clientCpuMicros: cpu.user + cpu.system,
      });
    };
    // Opened at an even pace over the ramp, as traffic arrives, rather than as one burst of connects.
    const step = Math.max(1e-6, job.rampMs / job.streams);
    let opened = 0;
    const t0 = performance.now();
    const open = (): void => {
      const due = Math.min(job.streams, Math.floor((performance.now() - t0) / step) + 1);
      while (opened < due) {
        opened++;
        runOne(job, agent, one);
      }
      if (opened < job.streams) setTimeout(open, 5);
    };
    open();
  });
}

/** Runs a job in a load generator process of its own (this file), so its CPU is counted apart from the servers'. */
export function spawnStreams(job: StreamLoadJob): Promise<StreamLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as StreamLoadResult) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

if (process.argv[1]?.endsWith('stream-load.ts')) {
  const job = JSON.parse(process.argv[2] ?? '{}') as StreamLoadJob;
  const result = await runStreams(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
