// Two `switchyard gateway` processes sharing budgets through one private Redis, each through its own TCP proxy, under
// 32 concurrent requests against the simulator (docs/budgets.md#when-the-store-is-down): Redis cut off from both for
// 3 s, paused (SIGSTOP), and cut off from one replica only (a partition). With the default policy (`share`) the spend
// stays within one request per replica of the cap, requests never wait on a paused Redis, and once Redis answers
// again its counters equal what the clients were told they used (`x-switchyard-usage`).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { holdInputTokens } from '../../src/budgets/hold-size.ts';
import { REDIS_MISSING, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until, WAIT_MS } from '../helpers/until.ts';
import { ADMIN_KEY, FAST_RETRY, simProvider } from '../gateway/harness.ts';

const KEY = 'sk-sim-outage-good-0001';
const CONCURRENT = 32;
const MAX_TOKENS = 40;
const PRICE = { input: 3, output: 15 };
const MESSAGES = [{ role: 'user' as const, content: 'say something about budgets. '.repeat(4) }];
/** The most one request may cost: what its hold is. */
const HOLD_TOKENS = holdInputTokens(MESSAGES) + MAX_TOKENS;
const HOLD_USD = (holdInputTokens(MESSAGES) * PRICE.input + MAX_TOKENS * PRICE.output) / 1e6;
const CAP_USD = 0.25;
/** Bounds on the load: the test never sends more than this, nor for longer. */
const MAX_REQUESTS = 4_000;
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

interface Received {
  gateway: number;
  /** When the request was sent (epoch ms). */
  sentAt: number;
  tokens: number;
  usd: number;
}

/** What the clients were told: per request answered, its tokens and cost from `x-switchyard-usage`. */
class Load {
  readonly received: Received[] = [];
  refused = 0;
  failed: string[] = [];
  sent = 0;
  #stop = false;
  #running: Promise<void>[] = [];

  readonly urls: readonly string[];

  constructor(urls: readonly string[]) {
    this.urls = urls;
  }

  start(): void {
    this.#running = Array.from({ length: CONCURRENT }, (_, i) => this.#worker(i));
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#running);
  }

  spent(gateway?: number, sentFrom = 0): { tokens: number; usd: number } {
    const rows = this.received.filter((r) => (gateway === undefined || r.gateway === gateway) && r.sentAt >= sentFrom);
    return {
      tokens: rows.reduce((n, r) => n + r.tokens, 0),
      usd: rows.reduce((n, r) => n + r.usd, 0),
    };
  }

  async #worker(i: number): Promise<void> {
    const gateway = i % this.urls.length;
    while (!this.#stop && this.sent < MAX_REQUESTS) {
      this.sent += 1;
      const sentAt = Date.now();
      let res: Response;
      let body: { error?: { code?: string; message?: string } };
      try {
        res = await fetch(`${this.urls[gateway]}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'main', messages: MESSAGES, max_tokens: MAX_TOKENS }),
        });
        body = (await res.json()) as typeof body;
      } catch (err) {
        this.failed.push(String(err));
        continue;
      }
      if (res.status === 200)
        this.received.push({ gateway, sentAt, ...usageOf(res.headers.get('x-switchyard-usage')) });
      else if (res.status === 429 && body.error?.code === 'budget_exceeded') {
        this.refused += 1;
        // A refused client backs off a little, as an SDK would.
        await new Promise((r) => setTimeout(r, 20));
      } else this.failed.push(`${res.status} ${body.error?.message ?? ''}`);
    }
  }
}

function usageOf(header: string | null): { tokens: number; usd: number } {
  const fields = Object.fromEntries((header ?? '').split('; ').map((f) => f.split('=')));
  return {
    tokens: Number(fields['input'] ?? 0) + Number(fields['output'] ?? 0),
    usd: Number(fields['cost_usd'] ?? 0),
  };
}

interface Row {
  resource: string;
  spent: number;
  reserved: number;
  held_locally_since?: string;
  held_locally_cap?: number;
}

async function budgetRows(url: string): Promise<Row[]> {
  const res = await fetch(`${url}/admin/budgets`, { headers: admin });
  return ((await res.json()) as { budgets: Row[] }).budgets;
}

interface Pair {
  redis: TestRedis;
  proxies: TcpProxy[];
  gateways: GatewayProcess[];
  load: Load;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Redis, a proxy per gateway, two gateways (each its own home and config naming its proxy), one USD and token
 * budget over everything. */
async function startPair(t: TestContext): Promise<Pair> {
  const redis = await startTestRedis();
  const sim = await startSimulator({ scenario: { models: { 'sim-large': { latency: '20ms' } }, keys: { [KEY]: {} } } });
  const ws = tempWorkspace('switchyard-e2e-outage-');
  const proxies = [
    await startTcpProxy(Number(new URL(redis.url).port)),
    await startTcpProxy(Number(new URL(redis.url).port)),
  ];
  const gateways: GatewayProcess[] = [];
  for (const [i, proxy] of proxies.entries()) {
    const configPath = ws.write(
      `switchyard-${i}.yaml`,
      stringify({
        // A loaded CI machine slows every process here: the answer's deadline is not what this test is about.
        providers: {
          p: simProvider(sim.url, 'openai', KEY, { models: { 'sim-large': { price: PRICE } }, timeout: '30s' }),
        },
        main: { provider: 'p', model: 'sim-large' },
        auxiliary: { compression: { provider: 'none' }, title_generation: { provider: 'none' } },
        retry: FAST_RETRY,
        budgets: { spend: { all: true, usd: { day: CAP_USD }, tokens: { day: 10_000_000 } } },
        gateway: {
          state: `redis://127.0.0.1:${proxy.port}/0`,
          require_keys: false,
          admin_key: '${SWITCHYARD_ADMIN_KEY}',
        },
      }),
    );
    gateways.push(
      await spawnGateway(
        t,
        ['--config', configPath],
        { SWITCHYARD_HOME: `${ws.dir}/home-${i}`, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
        undefined,
        { killAfterMs: 120_000 },
      ),
    );
  }
  // Each replica's share is of the replicas it counted: both must have seen the other before the fault.
  for (const g of gateways)
    await until('each replica to count both', async () => {
      const res = await fetch(`${g.url}/admin/budgets`, { headers: admin });
      return ((await res.json()) as { replicas?: number }).replicas === 2;
    });
  const load = new Load(gateways.map((g) => g.url));
  return {
    redis,
    proxies,
    gateways,
    load,
    async [Symbol.asyncDispose]() {
      await load.stop();
      for (const g of gateways) await g[Symbol.asyncDispose]();
      for (const p of proxies) await p.close();
      await sim.close();
      await redis.stop();
      ws.cleanup();
    },
  };
}

/** Once Redis answers both and nothing is in flight: its counters equal what the clients were told. */
async function assertCountersMatch(t: TestContext, pair: Pair, over = 2 * HOLD_USD): Promise<void> {
  await pair.load.stop();
  // A hold lasts HOLD_MS (30 min): a wait of WAIT_MS does not outlast a hold that leaked. Timed out, it says where
  // each budget stood (20 s was met once with three full suites side by side, load 30, and said nothing more).
  for (const [i, g] of pair.gateways.entries()) {
    let last: Row[] = [];
    const settled = (): boolean => last.every((r) => r.held_locally_since === undefined && r.reserved === 0);
    await until(
      `budgets to be shared again and every hold settled on replica ${i}`,
      async () => {
        last = await budgetRows(g.url);
        return settled();
      },
      WAIT_MS,
    ).catch((err: unknown) => {
      const standing = last.map(
        (r) => `${r.resource}: reserved ${r.reserved}, held locally since ${r.held_locally_since}`,
      );
      throw new Error(`${(err as Error).message}; at the last look ${standing.join('; ')}`);
    });
  }
  const rows = await budgetRows(pair.gateways[0]!.url);
  const usd = rows.find((r) => r.resource === 'usd')!;
  const tokens = rows.find((r) => r.resource === 'tokens')!;
  const received = pair.load.spent();
  t.diagnostic(
    `${pair.load.sent} requests: ${pair.load.received.length} served, ${pair.load.refused} refused; clients received ${received.tokens} tokens, $${received.usd.toFixed(6)}; Redis says ${tokens.spent} tokens, $${usd.spent.toFixed(6)}; cap $${CAP_USD}, overshoot $${(received.usd - CAP_USD).toFixed(6)} (${((received.usd - CAP_USD) / HOLD_USD).toFixed(2)} of one request's hold)`,
  );
  assert.deepEqual(pair.load.failed, [], 'no request failed for want of Redis');
  assert.equal(tokens.spent, received.tokens, 'the token counter is what the clients received');
  assert.ok(
    Math.abs(usd.spent - received.usd) <= pair.load.received.length * 1e-6,
    `the USD counter ($${usd.spent}) is what the clients received ($${received.usd})`,
  );
  assert.ok(received.usd <= CAP_USD + over, `within $${over.toFixed(6)} of the cap: $${received.usd}`);
}

/** Each outage of Redis a replica met is said once, and its end once: its lines about budgets' sharing alternate,
 * the outage first. The proxies live in this process, so a stall of it under load is a short outage of its own to the
 * replicas: the pair may come more than once, never a line per request. */
function assertOutagesSaidOnce(stderr: string): void {
  const lines = stderr.split('\n').filter((l) => /budgets are (no longer shared|shared again)/.test(l));
  const said = lines.map((l) => (l.includes('no longer shared') ? 'lost' : 'back'));
  const alternate = said.every((s, i) => s === (i % 2 === 0 ? 'lost' : 'back'));
  assert.ok(said.length >= 2 && alternate, `each outage said once:\n${lines.join('\n')}`);
}

/** Load runs until a share of the cap is spent: then the fault. */
async function loadUntil(pair: Pair, fraction: number): Promise<void> {
  pair.load.start();
  await until('the load to spend a part of the cap', () => pair.load.spent().usd >= CAP_USD * fraction, 30_000);
}

test(
  'Redis cut off from both replicas for 3 s under load: each keeps to its share while cut off, counters equal',
  { skip: REDIS_MISSING, timeout: 120_000 },
  async (t) => {
    await using pair = await startPair(t);
    await loadUntil(pair, 0.4);
    const atCut = [pair.load.spent(0).usd, pair.load.spent(1).usd];
    const cutAt = Date.now();
    for (const p of pair.proxies) p.cut();
    // The cap each replica states for itself while cut off (`held_locally_cap`): its share of what remained.
    const caps = [0, 0];
    await until('both replicas to hold budgets locally', async () => {
      const rows = await Promise.all(pair.gateways.map((g) => budgetRows(g.url)));
      rows.forEach((r, i) => (caps[i] = r.find((row) => row.resource === 'usd')?.held_locally_cap ?? 0));
      return rows.every((replica) => replica.every((r) => r.held_locally_since !== undefined));
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const atMend = [pair.load.spent(0).usd, pair.load.spent(1).usd];
    // What each admitted on its own book alone (sent after the cut, answered before the mend): its share at most.
    const cutSpent = [pair.load.spent(0, cutAt).usd, pair.load.spent(1, cutAt).usd];
    for (const p of pair.proxies) p.mend();
    await until('the load to meet the cap', () => pair.load.refused > 4 * CONCURRENT, 30_000);
    t.diagnostic(
      `spent at the cut $${atCut.join(', $')}; at the mend $${atMend.join(', $')}; after $${pair.load.spent(0).usd}, $${pair.load.spent(1).usd}; while cut off $${cutSpent.join(', $')} of shares $${caps.join(', $')}`,
    );
    for (const i of [0, 1])
      assert.ok(
        caps[i]! > 0 && cutSpent[i]! <= caps[i]! + HOLD_USD,
        `replica ${i} kept to its share while cut off: $${cutSpent[i]} of $${caps[i]}`,
      );
    // Back on Redis, the load goes on to the cap: a reserve slow under a loaded machine is a short outage of its own,
    // which may pass the cap by a few requests (docs/budgets.md; 6 holds once with three full suites side by side).
    // The fault suite holds the outage to one request per replica on a quiet machine.
    await assertCountersMatch(t, pair, CAP_USD * 0.05);
    for (const g of pair.gateways) {
      await until('the return to be said', () => g.stderr().includes('budgets are shared again'));
      assertOutagesSaidOnce(g.stderr());
    }
    t.diagnostic(`one request holds ${HOLD_TOKENS} tokens, $${HOLD_USD.toFixed(6)}`);
  },
);

test(
  'Redis paused under load: requests are answered while it is still paused, and nothing stays reserved after',
  { skip: REDIS_MISSING, timeout: 120_000 },
  async (t) => {
    await using pair = await startPair(t);
    await loadUntil(pair, 0.2);
    const atFreeze = [pair.load.spent(0).usd, pair.load.spent(1).usd];
    pair.redis.freeze();
    try {
      const before = pair.load.received.length;
      // Answers keep coming while Redis answers nothing: none of them waits for it.
      await until('64 answers while Redis is paused', () => pair.load.received.length >= before + 64, 30_000);
    } finally {
      pair.redis.thaw();
    }
    const atThaw = [pair.load.spent(0).usd, pair.load.spent(1).usd];
    await until('the load to meet the cap', () => pair.load.refused > 4 * CONCURRENT, 30_000);
    t.diagnostic(
      `spent at the pause $${atFreeze.join(', $')}; at the thaw $${atThaw.join(', $')}; after $${pair.load.spent(0).usd}, $${pair.load.spent(1).usd}`,
    );
    // A replica back on Redis before the other, or holding on a read older than the other's last spend (a reserve
    // slow under load counts as a short outage), may pass the cap by a few requests (docs/budgets.md).
    await assertCountersMatch(t, pair, CAP_USD * 0.05);
  },
);

test(
  'a partition: the replica cut off from Redis spends at most its share; the other goes on through Redis',
  { skip: REDIS_MISSING, timeout: 120_000 },
  async (t) => {
    await using pair = await startPair(t);
    await loadUntil(pair, 0.4);
    const atCut = pair.load.spent();
    const cutAt = Date.now();
    pair.proxies[0]!.cut();
    // The cap the cut replica states for itself (`held_locally_cap`): its share of what remained at its last read.
    let cap = 0;
    await until('the cut replica to hold budgets locally', async () => {
      const usd = (await budgetRows(pair.gateways[0]!.url)).find((r) => r.resource === 'usd')!;
      cap = usd.held_locally_cap ?? 0;
      return usd.held_locally_since !== undefined;
    });
    await until('the load to meet the cap', () => pair.load.refused > 4 * CONCURRENT, 30_000);
    // Requests sent to it after the cut: admitted by its own book alone (those in flight at the cut held in Redis).
    const cutSpent = pair.load.spent(0, cutAt).usd;
    const share = (CAP_USD - atCut.usd) / 2;
    t.diagnostic(
      `the cut replica spent $${cutSpent.toFixed(6)} while cut off; it stated a cap of $${cap.toFixed(6)}; half of what clients had not yet received at the cut was $${share.toFixed(6)}`,
    );
    t.diagnostic(
      pair.gateways[0]!.stderr()
        .split('\n')
        .filter((l) => l.includes('budgets are'))
        .join('\n'),
    );
    // Its cap is a share, not what remained: with two replicas, at most half the cap. It is taken from its last read,
    // which a reserve slow under load (a short hold before the cut) may leave older than the cut.
    assert.ok(cap > 0 && cap <= CAP_USD / 2, `the cut replica states a share of the cap: $${cap}`);
    assert.ok(cutSpent <= cap + HOLD_USD, `the cut replica kept to its share: $${cutSpent} of $${cap}`);
    pair.proxies[0]!.mend();
    // The other replica spent the rest through Redis meanwhile, not knowing the cut one's share: the cap is passed by
    // at most that share (docs/budgets.md#when-the-store-is-down).
    await assertCountersMatch(t, pair, cap + 2 * HOLD_USD);
  },
);
