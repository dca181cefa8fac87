// The library writes a ledger row per call when given a ledger (the `chat` command gives it one): answered whole,
// streamed, and failed after every route, each billed as the simulator billed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/server.ts';
import { createSwitchyard } from '../../src/library/switchyard.ts';
import { openStore } from '../../src/state/open.ts';
import { UsageLedger } from '../../src/usage/ledger.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { loadedFrom } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

test('library calls: a row each, with each attempt billed as the simulator billed it', async () => {
  using ws = tempWorkspace('switchyard-usage-lib-');
  await using sim = await startSimulator({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-lib-ok-0000001': { token_count: 'o200k' },
        'sk-sim-lib-bad-000001': { token_count: 'o200k', script: ['stream_error_first', 'stream_error_first'] },
      },
    },
  });
  const ledger = new UsageLedger({
    store: new SqliteUsageStore({ path: join(ws.home, 'usage.db') }),
    retention: { requests: 86_400_000, rollups: 86_400_000 },
  });
  const provider = (key: string) => ({ type: 'openai', base_url: `${sim.url}/v1`, api_key: key });
  const loaded = loadedFrom({
    providers: { ok: provider('sk-sim-lib-ok-0000001'), bad: provider('sk-sim-lib-bad-000001') },
    main: { provider: 'bad', model: 'sim-large' },
    fallback: [{ provider: 'ok', model: 'sim-large' }],
    auxiliary: { title_generation: { provider: 'ok', model: 'sim-large' } },
    retry: { max_retries: 0, base_delay: '1ms', max_delay: '1ms' },
  });
  await using router = createSwitchyard({ config: loaded, store: openStore({ kind: 'memory' }), usage: ledger });
  const messages = [{ role: 'user' as const, content: 'Tell me something short' }];
  const streamed = await router.chat({ messages, stream: true });
  assert.equal(streamed.status, 'ok');
  if (streamed.status === 'ok') for await (const _ of streamed.events);
  await router.chat({
    task: 'title_generation',
    messages: [{ role: 'user', content: 'Title this: a ledger' }],
    end_user: 'alice',
  });
  await until('every call ended', () => sim.log().every((c) => c.ended));
  const rows = (await ledger.requests({ limit: 10 })).rows;
  assert.deepEqual(
    rows.map((r) => [r.task, r.status, r.stream_end, r.charges.length, r.user]),
    [
      ['title_generation', 'ok', '', 1, 'alice'],
      ['main', 'ok', 'finished', 2, undefined],
    ],
  );
  const [t] = await ledger.totals({ by: 'task', since: 0 }).then((g) => [
    g.reduce((n, x) => ({ input: n.input + x.input_tokens, output: n.output + x.output_tokens }), {
      input: 0,
      output: 0,
    }),
  ]);
  const b = sim.billed();
  assert.deepEqual(t, { input: b.input_tokens, output: b.output_tokens });
  await ledger.close();
});

test('a stream left just before the router closes: its estimated row is written before close resolves', async () => {
  using ws = tempWorkspace('switchyard-usage-lib-');
  await using sim = await startSimulator({
    scenario: {
      models: { 'sim-large': {} },
      stream_delay: '5ms',
      keys: { 'sk-sim-lib-omit-00001': { token_count: 'o200k', usage: 'omitted' } },
    },
  });
  const path = join(ws.home, 'usage.db');
  const retention = { requests: 86_400_000, rollups: 86_400_000 };
  const ledger = new UsageLedger({ store: new SqliteUsageStore({ path }), retention });
  const loaded = loadedFrom({
    providers: { omit: { type: 'openai', base_url: `${sim.url}/v1`, api_key: 'sk-sim-lib-omit-00001' } },
    main: { provider: 'omit', model: 'sim-large' },
  });
  const router = createSwitchyard({ config: loaded, store: openStore({ kind: 'memory' }), usage: ledger });
  const streamed = await router.chat({ messages: [{ role: 'user', content: 'Tell me a story' }], stream: true });
  assert.equal(streamed.status, 'ok');
  if (streamed.status !== 'ok') return;
  const events = streamed.events[Symbol.asyncIterator]();
  await events.next();
  // Left without waiting: its usage is counted on the count worker while the router closes.
  void events.return?.();
  await router.close();
  await ledger.close();
  const reopened = new UsageLedger({ store: new SqliteUsageStore({ path }), retention });
  try {
    const rows = (await reopened.requests({ limit: 10 })).rows;
    assert.deepEqual(
      rows.map((r) => [r.stream_end, r.estimated]),
      [['cancelled', true]],
    );
  } finally {
    await reopened.close();
  }
});
