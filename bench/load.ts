// One autocannon run, with latencies collected at full precision: autocannon's own histogram has millisecond
// resolution, which rounds loopback latencies (a fraction of a millisecond) to 0 or 1.
import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  connections: number;
  requests: number;
  non2xx: number;
  errors: number;
  medianMs: number;
  p99Ms: number;
  rps: number;
  /** Latency of every 2xx answer, in ms, sorted (for combining runs). */
  times: number[];
  seconds: number;
  /** The runs `combine` pooled, in the order they were taken. */
  slices?: LoadResult[];
  /** CPU time the server process spent per request during the run (filled in by the caller). */
  cpuMicrosPerRequest?: number;
  /** CPU time the load generator (this process) spent per request (filled in by the caller). */
  clientCpuMicrosPerRequest?: number;
}

export interface LoadTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** Default `/v1/chat/completions`. */
  path?: string;
  /** Default: five words to `main`. */
  body?: string;
}

const BODY = JSON.stringify({
  model: 'main',
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
  max_tokens: 16,
});

/** The middle value (the mean of the two middle ones for an even count); NaN for none. A slice that shared the machine
 * with another process's burst moves a mean far more than the median. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/** `amount`: send that many requests and wait for every answer, instead of loading for `seconds` (a slice whose
 * requests take long would otherwise count the CPU of the requests cut off at its end, and not their answers). */
export async function load(
  target: LoadTarget,
  connections: number,
  seconds: number,
  amount?: number,
): Promise<LoadResult> {
  const times: number[] = [];
  const started = performance.now();
  const instance = autocannon({
    url: `${target.url}${target.path ?? '/v1/chat/completions'}`,
    method: 'POST',
    connections,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body ?? BODY,
  });
  // autocannon settles on its one-second tick: the last answer's time is when a slice of `amount` really ended.
  let last = started;
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    last = performance.now();
    if (status >= 200 && status < 300) times.push(responseTime);
  });
  const result = await instance;
  const elapsed = amount !== undefined ? (last - started) / 1000 : seconds;
  times.sort((a, b) => a - b);
  return {
    name: target.name,
    connections,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    medianMs: percentile(times, 50),
    p99Ms: percentile(times, 99),
    rps: times.length / elapsed,
    times,
    seconds: elapsed,
  };
}

/** Several runs against one target as one result: requests and errors added up, latencies pooled. */
export function combine(runs: readonly LoadResult[]): LoadResult {
  const first = runs[0];
  if (!first) throw new Error('combine: no runs');
  const times = runs.flatMap((r) => r.times).sort((a, b) => a - b);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const sum = (f: (r: LoadResult) => number): number => runs.reduce((s, r) => s + f(r), 0);
  return {
    name: first.name,
    connections: first.connections,
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    medianMs: percentile(times, 50),
    p99Ms: percentile(times, 99),
    rps: times.length / seconds,
    times,
    seconds,
    slices: [...runs],
  };
}
