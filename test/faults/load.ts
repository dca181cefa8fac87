// The fault suite's load: `concurrency` requests in flight over the live replicas (a load balancer's round robin that
// drops a replica whose process ended), loopback only, bounded in count and stopped on demand, each bounded to 30 s.
// Both client shapes, buffered and streamed in turn; each answer's usage is read from `x-switchyard-usage` (a header,
// or a stream's trailer), which is what the client was told it received.
import { Agent, request } from 'node:http';
import type { Replica } from './world.ts';

export type Shape = 'openai' | 'openai-stream' | 'anthropic' | 'anthropic-stream';
const SHAPES: Shape[] = ['openai', 'openai-stream', 'anthropic', 'anthropic-stream'];
const REQUEST_TIMEOUT_MS = 30_000;
const PROMPT = 'Say hello to the fault suite in a few words, please.';
const MAX_TOKENS = 24;

/** One request as the client saw it. */
export interface Shot {
  /** Sent as `x-request-id`, so the ledger's row for this answer can be found by it. */
  id: string;
  replica: number;
  shape: Shape;
  start: number;
  end: number;
  /** The HTTP status, or 0 when no answer came (refused connection, reset, timeout). */
  status: number;
  /** The answer was a load balancer's own error page (no replica answered): not a gateway's answer. */
  byProxy?: boolean;
  /** A 429 `budget_exceeded`. */
  refused: boolean;
  /** A refusal's `Retry-After` (seconds), and whether it said `x-should-retry: false` (stop: asking again cannot help). */
  retryAfterS?: number;
  toldToStop?: boolean;
  /** A 200 whose body came whole (a stream to its end) with its usage. */
  served: boolean;
  tokens: number;
  usd: number;
}

export interface Load {
  shots: Shot[];
  /** Stops sending and waits for what is in flight (each bounded to 30 s). */
  stop(): Promise<Shot[]>;
}

/** Where a request can go: a replica, or a load balancer before them (test/scale/). */
export interface Target {
  index: number;
  url: string;
  live(): boolean;
}

export function startLoad(
  replicas: Replica[],
  clientKey: string,
  bounds: { concurrency: number; maxRequests: number },
): Load {
  const targets = replicas.map((r) => ({
    index: r.index,
    get url() {
      return r.proc.url;
    },
    live: () => r.proc.child.exitCode === null && r.proc.child.signalCode === null,
  }));
  return startTargetLoad(targets, clientKey, bounds);
}

export function startTargetLoad(
  targets: Target[],
  clientKey: string,
  { concurrency, maxRequests }: { concurrency: number; maxRequests: number },
): Load {
  const shots: Shot[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  let stopping = false;
  let turn = 0;
  const live = (): Target[] => targets.filter((t) => t.live());
  const worker = async (): Promise<void> => {
    while (!stopping && sent < maxRequests) {
      const up = live();
      const target = up[turn++ % Math.max(1, up.length)];
      if (target === undefined) {
        // Every replica is down: what a client would meet, without spinning.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const n = sent++;
      shots.push(await shoot(agent, target, SHAPES[n % SHAPES.length]!, clientKey, `fault-shot-${n}`));
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    shots,
    async stop() {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
      return shots;
    },
  };
}

function body(shape: Shape): string {
  const stream = shape.endsWith('-stream');
  const messages = [{ role: 'user', content: PROMPT }];
  if (shape.startsWith('openai'))
    return JSON.stringify({
      model: 'main',
      messages,
      max_tokens: MAX_TOKENS,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  return JSON.stringify({ model: 'main', max_tokens: MAX_TOKENS, messages, ...(stream ? { stream: true } : {}) });
}

function shoot(agent: Agent, replica: Target, shape: Shape, clientKey: string, id: string): Promise<Shot> {
  const url = new URL(shape.startsWith('openai') ? '/v1/chat/completions' : '/v1/messages', replica.url);
  const auth: Record<string, string> = shape.startsWith('openai')
    ? { authorization: `Bearer ${clientKey}` }
    : { 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' };
  const start = Date.now();
  const shot: Shot = {
    id,
    replica: replica.index,
    shape,
    start,
    end: start,
    status: 0,
    refused: false,
    served: false,
    tokens: 0,
    usd: 0,
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      shot.end = Date.now();
      resolve(shot);
    };
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'x-request-id': id, ...auth },
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', finish);
    req.on('response', (res) => {
      shot.status = res.statusCode ?? 0;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('error', finish);
      res.on('close', finish);
      res.on('end', () => {
        if (text.startsWith('<html><body><h1>')) shot.byProxy = true;
        // OpenAI's shape carries the code; Anthropic's only the message.
        if (shot.status === 429) {
          shot.refused = /budget_exceeded|refused before anything was sent: budget/.test(text);
          shot.retryAfterS = Number(res.headers['retry-after'] ?? NaN);
          shot.toldToStop = res.headers['x-should-retry'] === 'false';
        }
        const usage = res.headers['x-switchyard-usage'] ?? res.trailers['x-switchyard-usage'];
        if (shot.status === 200 && typeof usage === 'string' && whole(shape, text)) {
          shot.served = true;
          shot.tokens = field(usage, 'input') + field(usage, 'output');
          shot.usd = field(usage, 'cost_usd');
        }
        finish();
      });
    });
    req.end(body(shape));
  });
}

/** A buffered answer is whole when it parsed; a stream when it reached its end marker. */
function whole(shape: Shape, text: string): boolean {
  if (shape === 'openai-stream') return /^data: \[DONE\]$/m.test(text) && !/^data: \{"error"/m.test(text);
  if (shape === 'anthropic-stream') return /^event: message_stop$/m.test(text);
  return text.startsWith('{');
}

function field(usage: string, name: string): number {
  const m = new RegExp(`(?:^|; )${name}=([0-9.]+)`).exec(usage);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}
