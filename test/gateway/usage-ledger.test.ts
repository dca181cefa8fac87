// The ledger against the simulator's own bill: each way a request can end — answered whole or streamed, with or
// without the upstream's usage, cut part-way, failed after the upstream had begun, retried, fallen back, cancelled
// by its caller — leaves the ledger's token totals equal to what the simulator billed, exactly.
import { test, before, after } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';
import type { UsageLedger } from '../../src/usage/ledger.ts';

let h: Harness;
const O200K = { token_count: 'o200k' } as const;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-usage-ok-000001': O200K,
        'sk-sim-usage-omit-0001': { ...O200K, usage: 'omitted' },
        'sk-sim-usage-cut-00001': { ...O200K, script: ['cut'], loop_script: true, cut_after: 2 },
        'sk-sim-usage-fail-0001': { ...O200K, script: ['stream_error_first', '500'], loop_script: true },
        'sk-sim-usage-drip-0001': { ...O200K, stream_delay: '400ms' },
        'sk-sim-usage-slow-0001': { ...O200K, latency: '3s' },
        'sk-ant-sim-usage-00001': { ...O200K, prompt_cache: true },
      },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-usage-ok-000001', {
          models: { 'sim-large': { price: { input: 2, output: 8 } } },
        }),
        omit: simProvider(sim, 'openai', 'sk-sim-usage-omit-0001'),
        cut: simProvider(sim, 'openai', 'sk-sim-usage-cut-00001'),
        fail: simProvider(sim, 'openai', 'sk-sim-usage-fail-0001'),
        drip: simProvider(sim, 'openai', 'sk-sim-usage-drip-0001'),
        slow: simProvider(sim, 'openai', 'sk-sim-usage-slow-0001'),
        an: simProvider(sim, 'anthropic', 'sk-ant-sim-usage-00001', { models: { 'sim-large': {} } }),
      },
      main: { provider: 'fail', model: 'sim-large' },
      fallback: [{ provider: 'oa', model: 'sim-large' }],
      auxiliary: {
        resumed: {
          provider: 'cut',
          model: 'sim-large',
          fallback_chain: [{ provider: 'oa', model: 'sim-large' }],
          fallback_to_main: false,
          streaming: { resume: true },
        },
      },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
});
after(() => h.close());

function ledger(): UsageLedger {
  const l = h.gw.app.gateway.usage;
  assert.ok(l, 'the gateway keeps a ledger');
  return l;
}

async function ledgerTotals(): Promise<{ input: number; output: number; cache_read: number; cache_write: number }> {
  // Rows are queued when a request ends: wait until every call the simulator saw has one.
  const groups = await ledger().totals({ by: 'task', since: 0 });
  const sum = { input: 0, output: 0, cache_read: 0, cache_write: 0 };
  for (const g of groups) {
    sum.input += g.input_tokens;
    sum.output += g.output_tokens;
    sum.cache_read += g.cache_read_tokens;
    sum.cache_write += g.cache_write_tokens;
  }
  return sum;
}

async function assertMatchesSim(what: string): Promise<void> {
  // Every call ended (its bill is in) and every request has its row.
  await until(`${what}: the simulator's calls to end`, () => h.sim.log().every((c) => c.ended));
  await until(`${what}: the ledger rows`, async () => {
    const b = h.sim.billed();
    const l = await ledgerTotals();
    return b.input_tokens === l.input && b.output_tokens === l.output;
  }).catch(() => {});
  const b = h.sim.billed();
  assert.deepEqual(
    await ledgerTotals(),
    {
      input: b.input_tokens,
      output: b.output_tokens,
      cache_read: b.cache_read_tokens,
      cache_write: b.cache_write_tokens,
    },
    what,
  );
}

const post = (body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> =>
  fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
const ask = (text: string) => [{ role: 'user', content: text }];

test('answered whole: the header and the ledger carry the reported tokens and their cost', async () => {
  const res = await post({ model: 'oa/sim-large', messages: ask('What does a ledger hold, in short?') });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
  const header = res.headers.get('x-switchyard-usage') ?? '';
  assert.match(header, new RegExp(`^input=${body.usage.prompt_tokens}; output=${body.usage.completion_tokens}; `));
  const cost = (body.usage.prompt_tokens * 2 + body.usage.completion_tokens * 8) / 1e6;
  assert.match(header, new RegExp(`cost_usd=${String(Number(cost.toPrecision(6))).replace('.', '\\.')}$`));
  await assertMatchesSim('whole');
});

test('streamed without include_usage: the upstream is asked for usage, the caller does not get it, the ledger does', async () => {
  const res = await post({ model: 'oa/sim-large', stream: true, messages: ask('Stream a short answer please') });
  const text = await res.text();
  assert.doesNotMatch(text, /"usage"/);
  assert.equal(h.sim.log().at(-1)!.fields.includes('stream_options'), true);
  await assertMatchesSim('stream');
});

/** A streamed answer's body and HTTP trailers (fetch does not expose trailers). */
function streamWithTrailers(body: Record<string, unknown>): Promise<{ text: string; trailers: NodeJS.Dict<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${h.url}/v1/chat/completions`,
      { method: 'POST', headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ text, trailers: res.trailers }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('a stream carries x-switchyard-usage as a trailer, with what the ledger records', async () => {
  const { text, trailers } = await streamWithTrailers({
    model: 'oa/sim-large',
    stream: true,
    stream_options: { include_usage: true },
    messages: ask('Trailers please'),
  });
  const usage = /"usage":\{"prompt_tokens":(\d+),"completion_tokens":(\d+)/.exec(text);
  assert.ok(usage, text);
  assert.match(trailers['x-switchyard-usage'] ?? '', new RegExp(`^input=${usage[1]}; output=${usage[2]}; `));
  await assertMatchesSim('trailer');
});

test('usage omitted by the upstream, whole and streamed: estimated, and equal to what was billed', async () => {
  const whole = await post({ model: 'omit/sim-large', messages: ask('No usage from this upstream, whole') });
  assert.match(whole.headers.get('x-switchyard-usage') ?? '', /; cost_usd=unknown; estimated$/);
  // The stream ends once its estimate is counted (on the count worker): its trailer carries it.
  const { trailers } = await streamWithTrailers({
    model: 'omit/sim-large',
    stream: true,
    messages: ask('No usage, streamed'),
  });
  assert.match(trailers['x-switchyard-usage'] ?? '', /^input=\d+; output=[1-9]\d*; .*estimated$/);
  await assertMatchesSim('omitted');
});

test('a stream cut after two chunks is billed its prompt and what it delivered', async () => {
  const res = await post({
    model: 'cut/sim-large',
    stream: true,
    messages: ask('Please answer with several words here'),
  });
  assert.match(await res.text(), /error/);
  await assertMatchesSim('cut');
  const [row] = (await ledger().requests({ limit: 1 })).rows;
  assert.equal(row!.stream_end, 'cut');
  assert.equal(row!.estimated, true);
});

test('a cut stream resumed on the next route: one whole answer, each attempt billed its own tokens', async () => {
  const res = await post({ model: 'resumed', stream: true, messages: ask('Please answer with several words here') });
  const text = await res.text();
  assert.doesNotMatch(text, /"error"/);
  assert.match(text, /data: \[DONE\]/);
  await assertMatchesSim('resumed');
  const [row] = (await ledger().requests({ limit: 1 })).rows;
  assert.equal(row!.stream_end, 'finished');
  assert.deepEqual(
    row!.charges.map((c) => [c.route, c.outcome, c.output_tokens > 0]),
    [
      ['cut/sim-large', 'connection', true],
      ['oa/sim-large', 'ok', true],
    ],
  );
});

test('a failed attempt the upstream billed, then a fallback: each attempt its own tokens, none twice', async () => {
  const res = await post({ model: 'main', stream: true, messages: ask('Fall back for me') });
  assert.equal(res.status, 200);
  await res.text();
  await assertMatchesSim('fallback');
  const [row] = (await ledger().requests({ limit: 1 })).rows;
  assert.deepEqual(
    row!.charges.map((c) => [c.route, c.outcome, c.output_tokens === 0]),
    [
      ['fail/sim-large', 'overloaded', true],
      ['oa/sim-large', 'ok', false],
    ],
  );
  // The next call on `fail` is a 500: not billed, retried, then the fallback answers.
  await (await post({ model: 'main', messages: ask('Again') })).text();
  await assertMatchesSim('500 then fallback');
});

test('Anthropic with a prompt cache: cache reads and writes reach the ledger', async () => {
  const body = {
    model: 'an/sim-large',
    max_tokens: 100,
    system: [
      { type: 'text', text: 'A long system prompt worth caching. '.repeat(20), cache_control: { type: 'ephemeral' } },
    ],
    messages: [{ role: 'user', content: 'Hello' }],
  };
  for (const stream of [false, true]) {
    const res = await fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...body, stream }),
    });
    await res.text();
  }
  await assertMatchesSim('anthropic cache');
  assert.ok((await ledgerTotals()).cache_read > 0);
});

test('cancelled by the caller, mid-stream and before any answer: billed what the upstream took and gave', async () => {
  const controller = new AbortController();
  const res = await post(
    { model: 'drip/sim-large', stream: true, messages: ask('Drip a long answer slowly') },
    controller.signal,
  );
  const reader = res.body!.getReader();
  let seen = '';
  while (!/"content":"[^"]+"[\s\S]*"content":"[^"]+"/.test(seen))
    seen += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  await assertMatchesSim('cancelled mid-stream');

  const before = h.sim.calls();
  const slow = new AbortController();
  const pending = post({ model: 'slow/sim-large', messages: ask('Take your time') }, slow.signal).catch(
    () => undefined,
  );
  await until('the slow call to reach the simulator', () => h.sim.calls() > before);
  slow.abort();
  await pending;
  await assertMatchesSim('cancelled before the answer');
  const [row] = (await ledger().requests({ limit: 1 })).rows;
  assert.equal(row!.status, 'client_closed');
});

test('the admin API pages the rows and sums them', async () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const page = (await (await fetch(`${h.url}/admin/usage/requests?limit=2`, { headers: auth })).json()) as {
    requests: { id: string }[];
    next?: string;
  };
  assert.equal(page.requests.length, 2);
  assert.ok(page.next);
  const more = (await (
    await fetch(`${h.url}/admin/usage/requests?limit=2&before=${encodeURIComponent(page.next)}`, { headers: auth })
  ).json()) as { requests: { id: string }[] };
  assert.notEqual(more.requests[0]!.id, page.requests[0]!.id);
  const totals = (await (await fetch(`${h.url}/admin/usage?by=route&since=1d`, { headers: auth })).json()) as {
    groups: { group: string; input_tokens: number }[];
  };
  const b = h.sim.billed();
  assert.equal(
    totals.groups.reduce((n, g) => n + g.input_tokens, 0),
    b.input_tokens,
  );
  const metrics = await (await fetch(`${h.url}/metrics`, { headers: auth })).text();
  assert.match(
    metrics,
    /^switchyard_usage_tokens_total\{task="main",route="oa\/sim-large",client_key="test-client",kind="input"\} \d+$/m,
  );
});

test("the ledger's own health is on /metrics: rows pending, spooled, failed to write and dropped", async () => {
  const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  for (const series of ['pending_rows', 'spooled_rows', 'write_failures', 'dropped_rows'])
    assert.match(
      metrics,
      new RegExp(
        `^# HELP switchyard_usage_ledger_${series} Ledger .+\\n# TYPE switchyard_usage_ledger_${series} gauge\\nswitchyard_usage_ledger_${series} \\d+$`,
        'm',
      ),
    );
});
