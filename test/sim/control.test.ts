// Counting and the control API: handle.calls()/log()/reset()/setScenario() and GET/POST/PUT /_sim/*; the handle's url.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { withSim, openai, anthropic, userMessage, parseJson } from './client.ts';
import { until } from '../helpers/until.ts';

const ask = (model = 'sim-large') => ({ model, max_tokens: 16, messages: [userMessage('hi')] });

test('every chat call is counted, rejected ones included, per key and per model', async () => {
  await withSim({ keys: { a: {}, b: { script: [500] } } }, async (sim) => {
    await openai(sim, 'a', ask());
    await openai(sim, 'a', ask('sim-small'));
    await anthropic(sim, 'a', { ...ask(), stream: true });
    await openai(sim, 'b', ask());
    await openai(sim, 'nobody', ask());
    await openai(sim, undefined, ask());
    assert.equal(sim.calls(), 6);
    assert.equal(sim.calls('a'), 3);
    assert.equal(sim.calls('a', 'sim-large'), 2);
    assert.equal(sim.calls(undefined, 'sim-small'), 1);
    assert.equal(sim.calls('b'), 1);
    assert.equal(sim.calls('nobody'), 1);
    const log = sim.log();
    assert.equal(log.length, 6);
    assert.deepEqual(
      {
        key: log[2]?.key,
        api: log[2]?.api,
        path: log[2]?.path,
        stream: log[2]?.stream,
        status: log[2]?.status,
        outcome: log[2]?.outcome,
      },
      { key: 'a', api: 'anthropic', path: '/v1/messages', stream: true, status: 200, outcome: 'ok' },
    );
    assert.deepEqual(
      log.slice(3).map((c) => [c.status, c.outcome]),
      [
        [500, 'server'],
        [401, 'auth'],
        [401, 'auth_missing'],
      ],
    );
    sim.reset();
    assert.equal(sim.calls(), 0);
    assert.equal(sim.log().length, 0);
    assert.equal((await openai(sim, 'b', ask())).status, 500, 'reset() restarts scripts');
  });
});

test('GET /_sim/calls gives counts per key, one count with ?key=&model=, and the log with &log=1', async () => {
  await withSim({ keys: { a: {}, b: {} } }, async (sim) => {
    await openai(sim, 'a', ask());
    await openai(sim, 'a', ask('sim-small'));
    await openai(sim, 'b', ask('nope'));
    const all = (await (await fetch(`${sim.url}/_sim/calls`)).json()) as {
      total: number;
      keys: Record<string, { total: number; models: Record<string, number>; outcomes: Record<string, number> }>;
    };
    assert.equal(all.total, 3);
    assert.deepEqual(all.keys['a'], { total: 2, models: { 'sim-large': 1, 'sim-small': 1 }, outcomes: { ok: 2 } });
    assert.deepEqual(all.keys['b']?.outcomes, { not_found: 1 });
    assert.deepEqual(await (await fetch(`${sim.url}/_sim/calls?key=a&model=sim-small`)).json(), { count: 1 });
    const withLog = (await (await fetch(`${sim.url}/_sim/calls?key=a&log=1`)).json()) as {
      count: number;
      log: { key: string; model: string }[];
    };
    assert.equal(withLog.count, 2);
    assert.deepEqual(
      withLog.log.map((r) => r.key),
      ['a', 'a'],
      'the log of the calls counted',
    );
    const oneModel = (await (await fetch(`${sim.url}/_sim/calls?model=sim-small&log=1`)).json()) as {
      count: number;
      log: { model: string }[];
    };
    assert.deepEqual(
      oneModel.log.map((r) => r.model),
      ['sim-small'],
    );
    const everything = (await (await fetch(`${sim.url}/_sim/calls?log=1`)).json()) as { log: unknown[] };
    assert.equal(everything.log.length, 3);
  });
});

test('a hold step is answered once POST /_sim/release lets it go; one whose client left first bills nothing', async () => {
  await withSim({ keys: { k: { script: ['hold', 'hold'] } } }, async (sim) => {
    const held = async (): Promise<number> =>
      ((await (await fetch(`${sim.url}/_sim/held`)).json()) as { held: number }).held;
    let answered = false;
    const first = openai(sim, 'k', ask()).finally(() => (answered = true));
    await until('the first call to be held', async () => (await held()) === 1);
    assert.equal(answered, false, 'held, not answered');
    const release = await fetch(`${sim.url}/_sim/release`, { method: 'POST' });
    assert.deepEqual(await release.json(), { released: 1 });
    assert.equal((await first).status, 200);

    const gone = new AbortController();
    const second = openai(sim, 'k', ask(), { signal: gone.signal }).catch(() => 'left');
    await until('the second call to be held', async () => (await held()) === 1);
    gone.abort();
    assert.equal(await second, 'left');
    await until('the call left to end', () => sim.log()[1]?.ended === true);
    assert.equal(await held(), 0);
    assert.equal(sim.log()[1]?.billed, null, 'never answered: nothing billed');
    assert.equal(sim.calls('k'), 2);
  });
});

test('POST /_sim/reset clears counts and progress', async () => {
  await withSim({ keys: { k: { script: [401] } } }, async (sim) => {
    assert.equal((await openai(sim, 'k', ask())).status, 401);
    assert.equal((await openai(sim, 'k', ask())).status, 200);
    const r = await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
    assert.equal(r.status, 200);
    await r.body?.cancel();
    assert.equal(sim.calls(), 0);
    assert.equal((await openai(sim, 'k', ask())).status, 401);
  });
});

test('PUT /_sim/scenario replaces the scenario (YAML or JSON); a bad one is a located 400 and changes nothing', async () => {
  await withSim({ keys: { old: {} } }, async (sim) => {
    const put = (body: string) => fetch(`${sim.url}/_sim/scenario`, { method: 'PUT', body });
    const ok = await put('models:\n  m1: {}\nkeys:\n  new: {}\n');
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, models: ['m1'], keys: 1 });
    assert.equal((await openai(sim, 'old', ask('m1'))).status, 401);
    assert.equal((await openai(sim, 'new', ask('m1'))).status, 200);

    const empty = await put('  \n');
    assert.equal(empty.status, 400, 'an empty body (a wrong path in $(cat …)) changes nothing');
    assert.match(((await empty.json()) as { error: { message: string } }).error.message, /request body is empty/);
    assert.equal((await openai(sim, 'new', ask('m1'))).status, 200);

    const json = await put(JSON.stringify({ keys: { j: { valid: false } } }));
    assert.equal(json.status, 200);
    await json.body?.cancel();
    assert.equal((await openai(sim, 'j', ask())).status, 401);

    const bad = await put('keys:\n  x: { script: [explode] }\n');
    assert.equal(bad.status, 400);
    const err = (await bad.json()) as { error: { message: string; type: string } };
    assert.equal(err.error.type, 'invalid_scenario');
    assert.match(err.error.message, /request body:2:17: keys\.x\.script\[0\]: unknown step "explode"/);
    assert.equal('details' in err.error, false, 'one problem: no details');
    const several = await put('bogus: 1\nkeys:\n  x: { rate_limit_afer: 1, server_error_rate: "often" }\n');
    assert.equal(several.status, 400);
    const many = (await several.json()) as { error: { message: string; details: string[]; type: string } };
    assert.equal(many.error.message, 'invalid scenario request body: 3 problems');
    assert.deepEqual(many.error.details, [
      'request body:1:1: bogus: unknown key `bogus` (valid keys here: seed, latency, stream_delay, models, keys, oauth2, sts, regions)',
      'request body:3:8: keys.x.rate_limit_afer: unknown key `rate_limit_afer` (did you mean `rate_limit_after`?)',
      'request body:3:47: keys.x.server_error_rate: expected a number, got "often"',
    ]);
    assert.deepEqual(Object.keys(sim.scenario().keys), ['j'], 'the previous scenario stays');
    const current = (await (await fetch(`${sim.url}/_sim/scenario`)).json()) as {
      keys: Record<string, { valid: boolean }>;
    };
    assert.equal(current.keys['j']?.valid, false);
  });
});

test('setScenario() on the handle does the same in-process', async () => {
  await withSim({ keys: {} }, async (sim) => {
    assert.equal((await openai(sim, 'k', ask())).status, 401);
    sim.setScenario({ keys: { k: {} } });
    assert.equal(sim.calls(), 0);
    assert.equal((await openai(sim, 'k', ask())).status, 200);
  });
});

test('concurrent calls are all answered and counted', async () => {
  await withSim({ keys: { k: {} } }, async (sim) => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => openai(sim, 'k', { ...ask(), stream: i % 2 === 0 })),
    );
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(sim.calls('k'), 30);
  });
});

test('a simulator bound to every interface gives a loopback url a client can connect to', async (t) => {
  for (const [host, loopback] of [
    ['0.0.0.0', '127.0.0.1'],
    ['::', '[::1]'],
  ] as const) {
    const started = await startSimulator({ scenario: { keys: { k: {} } }, host }).catch((err: unknown) => {
      // Some CI containers have no IPv6 at all; 0.0.0.0 must work everywhere.
      if (host === '::') return undefined;
      throw err;
    });
    if (!started) {
      t.diagnostic('no IPv6 here: [::] not checked');
      continue;
    }
    await using sim = started;
    assert.equal(sim.url, `http://${loopback}:${sim.port}`);
    assert.equal((await openai(sim, 'k', ask())).status, 200);
  }
});

test('request ids stay unique across /_sim/reset, reset() and a new scenario', async () => {
  await withSim({ keys: { k: { script: [500] } } }, async (sim) => {
    const requestIds: string[] = [];
    const answerIds: string[] = [];
    const callBoth = async (): Promise<void> => {
      const o = await openai(sim, 'k', ask());
      requestIds.push(o.headers.get('x-request-id') ?? 'missing');
      const a = await anthropic(sim, 'k', ask());
      requestIds.push(a.headers.get('request-id') ?? 'missing');
      if (a.status === 200) answerIds.push(String(parseJson(a.text)['id']));
    };
    await callBoth();
    const r = await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
    assert.equal(r.status, 200);
    await r.body?.cancel();
    await callBoth();
    sim.reset();
    await callBoth();
    sim.setScenario({ keys: { k: {} } });
    await callBoth();
    assert.ok(
      requestIds.every((id) => /^req_sim_\d+$/.test(id)),
      requestIds.join(' '),
    );
    assert.equal(new Set(requestIds).size, requestIds.length, `ids repeat: ${requestIds.join(' ')}`);
    assert.equal(answerIds.length, 4);
    assert.equal(new Set(answerIds).size, answerIds.length, `message ids repeat: ${answerIds.join(' ')}`);
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['ok', 'ok'],
      'the reset still cleared the counts',
    );
  });
});

test('a control route asked with the wrong method answers 405 with Allow, and changes nothing', async () => {
  await withSim({ keys: { k: {} } }, async (sim) => {
    await openai(sim, 'k', ask());
    const wrong = async (method: string, path: string, allow: string, body?: string) => {
      const r = await fetch(`${sim.url}${path}`, { method, ...(body !== undefined ? { body } : {}) });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get('allow'), allow, `${method} ${path}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await r.json(), {
        error: {
          message: `${method} is not allowed on ${path}; it answers ${allow} (see docs/simulator.md)`,
          type: 'method_not_allowed',
        },
      });
    };
    await wrong('POST', '/_sim/calls', 'GET, HEAD');
    await wrong('DELETE', '/_sim/calls', 'GET, HEAD');
    await wrong('GET', '/_sim/reset', 'POST');
    await wrong('PUT', '/_sim/reset', 'POST', 'keys: {}');
    await wrong('POST', '/_sim/scenario', 'GET, HEAD, PUT', 'keys: { other: {} }');
    await wrong('DELETE', '/_sim/scenario', 'GET, HEAD, PUT');
    assert.equal(sim.calls(), 1, 'nothing was reset');
    assert.deepEqual(Object.keys(sim.scenario().keys), ['k'], 'nor replaced');

    // HEAD is GET without the body; an unknown path under /_sim/ stays a 404 in the same shape.
    const head = await fetch(`${sim.url}/_sim/calls`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const unknown = await fetch(`${sim.url}/_sim/nope`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('allow'), null);
    assert.deepEqual(await unknown.json(), {
      error: { message: 'unknown control route POST /_sim/nope; see docs/simulator.md', type: 'not_found' },
    });
  });
});
