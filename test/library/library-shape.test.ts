// What a library caller reads: the answering route in the shape each trail entry names its route, successful trail
// entries with their HTTP status, the state store the library opened (said, and where), and explanations that, for a
// configFromObject config the CLI cannot see, name library calls rather than CLI commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { configFromObject } from '../../src/config/object.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { createSwitchyard } from '../../src/library/switchyard.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const GOOD = 'sk-lib-shape-good-0001';
const BAD = 'sk-lib-shape-never-0002';
const hello = [{ role: 'user' as const, content: 'hi' }];

/** `await using w = await world()` closes it when the test's scope ends. */
async function world() {
  const sim = await startSimulator({ scenario: { keys: { [GOOD]: {}, [BAD]: { valid: false } } } });
  const ws = tempWorkspace();
  const object = {
    providers: {
      bad: { type: 'openai', base_url: `${sim.url}/v1`, api_key: BAD },
      good: { type: 'openai', base_url: `${sim.url}/v1`, api_key: GOOD },
    },
    main: { provider: 'bad', model: 'sim-large' },
    fallback: [{ provider: 'good', model: 'sim-small' }],
  };
  const close = async (): Promise<void> => {
    await sim.close();
    ws.cleanup();
  };
  return { sim, ws, object, env: { SWITCHYARD_HOME: ws.home }, [Symbol.asyncDispose]: close };
}

test('result.route and trail[].route have one shape; a successful attempt carries its status', async () => {
  await using w = await world();
  await using sy = createSwitchyard({ config: configFromObject(w.object, { env: w.env, dotenv: false }) });
  const r = await sy.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(r.route, 'good/sim-small');
  assert.equal(r.provider, 'good');
  assert.equal(r.model, 'sim-small');
  const last = r.trail.at(-1)!;
  assert.deepEqual(
    [last.route, last.provider, last.model, last.outcome, last.status],
    [r.route, r.provider, r.model, 'ok', 200],
  );
  assert.equal(r.trail[0]?.status, 401, 'the failed attempt before it has its status too');
  const s = await sy.chat({ messages: hello, stream: true });
  assert.ok(s.status === 'ok');
  for await (const e of s.events) void e;
  assert.equal(s.route, 'good/sim-small');
  assert.equal(s.trail.at(-1)?.status, 200);
});

test('the library opens the state store the config names, in its home, and says which', async () => {
  await using w = await world();
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  await using sy = createSwitchyard({ config: configFromObject(w.object, { env: w.env, dotenv: false }), logger });
  assert.equal(sy.store.kind, 'sqlite');
  assert.equal(sy.store.location, join(w.ws.home, 'state.db'));
  assert.ok(
    lines.some((l) => l.includes(`state store: sqlite at ${join(w.ws.home, 'state.db')}`)),
    lines.join('\n'),
  );
});

test("a configFromObject config's explanations name library calls, not CLI commands that cannot see it", async () => {
  await using w = await world();
  const only = { ...w.object, fallback: [] };
  await using fromObject = createSwitchyard({ config: configFromObject(only, { env: w.env, dotenv: false }) });
  await assert.rejects(fromObject.chat({ messages: hello }), (err: unknown) => {
    assert.ok(SwitchyardError.isInstance(err));
    assert.match(err.explanation, /never been accepted/);
    return true;
  });
  // The key is now rejected: every key unusable, whose advice names what to do.
  await assert.rejects(fromObject.chat({ messages: hello }), (err: unknown) => {
    assert.ok(SwitchyardError.isInstance(err));
    assert.match(err.explanation, /every key for bad is unusable/);
    assert.match(err.explanation, /`providers\.bad\.api_keys` in the config object \(or its key_env variable\)/);
    assert.match(err.explanation, /`pool\.reset\('bad'\)` on the Switchyard instance/);
    assert.doesNotMatch(err.explanation, /`switchyard /);
    return true;
  });
  assert.doesNotMatch(fromObject.pool.explain('bad').summary, /`switchyard /);

  // The same failure for a config file: the CLI can see it, and the advice says so.
  const file = w.ws.write('switchyard.yaml', JSON.stringify(only));
  await using fromFile = createSwitchyard({ config: loadConfig({ configPath: file, env: w.env, cwd: w.ws.dir }) });
  await fromFile.chat({ messages: hello }).catch(() => {});
  await assert.rejects(fromFile.chat({ messages: hello }), (err: unknown) => {
    assert.ok(SwitchyardError.isInstance(err));
    assert.match(err.explanation, /`switchyard auth reset bad`/);
    return true;
  });
});
