// What is in effect in a running gateway, as its log and headers say it: each request's line names every attempt's
// route and credential (ID and masked key), the answer carries the credential that answered, a reload says per
// provider which key is now first and why, and an `auth reset` run from the CLI is logged when the gateway sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { fingerprint, mask } from '../../src/config/mask.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';

const BAD = 'sk-sim-in-effect-bad-key-0b1d';
const GOOD = 'sk-sim-in-effect-good-key-9c2e';

type Line = Record<string, unknown>;

function lines(stderr: string): Line[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

test('the gateway names the credential of each attempt, answers with the one that answered, and logs reloads and resets', async (t) => {
  await using sim = await startSimulator({
    scenario: { models: { 'sim-large': {} }, keys: { [BAD]: { valid: false }, [GOOD]: {} } },
  });
  using ws = tempWorkspace('switchyard-gw-in-effect-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_keys: ['${FIRST_KEY}', '${SECOND_KEY}'] } },
      main: { provider: 'sim', model: 'sim-large' },
      gateway: { require_keys: false },
    }),
  );
  ws.write('.env', `FIRST_KEY=${BAD}\nSECOND_KEY=${GOOD}\n`);
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };
  await using gw = await spawnGateway(t, ['--config', configPath], env);
  await until('the banner', () => gw.stdout().includes(' · state '));
  assert.match(gw.stdout(), new RegExp(`config ${configPath} · state sqlite ${ws.home}/state\\.db`));
  await until('the listening line', () => lines(gw.stderr()).some((l) => l['msg'] === 'gateway listening'));
  const listening = lines(gw.stderr()).find((l) => l['msg'] === 'gateway listening');
  assert.deepEqual(listening?.['state'], { kind: 'sqlite', location: `${ws.home}/state.db` });

  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-switchyard-credential'), fingerprint(GOOD));
  await until('the request line', () =>
    lines(gw.stderr()).some((l) => l['msg'] === 'request' && l['path'] === '/v1/chat/completions'),
  );
  const line = lines(gw.stderr()).find((l) => l['msg'] === 'request' && l['path'] === '/v1/chat/completions')!;
  assert.equal(line['credential'], fingerprint(GOOD));
  const upstream = (line['upstream'] as Line[]).map(({ route, credential, key, outcome }) => ({
    route,
    credential,
    key,
    outcome,
  }));
  assert.deepEqual(upstream, [
    { route: 'sim/sim-large', credential: fingerprint(BAD), key: mask(BAD), outcome: 'auth_rejected' },
    { route: 'sim/sim-large', credential: fingerprint(GOOD), key: mask(GOOD), outcome: 'ok' },
  ]);
  assert.equal((line['upstream'] as Line[])[0]!['status'], 401);

  // The CLI resets the rejected key in the same store: the running gateway says it saw that.
  const reset = await runCliInProcess(['auth', 'reset', 'sim', fingerprint(BAD), '--config', configPath], { env });
  assert.equal(reset.code, 0, reset.stderr);
  await until('the reset to be logged', () =>
    lines(gw.stderr()).some((l) => String(l['msg']).startsWith('auth reset seen')),
  );
  const seen = lines(gw.stderr()).find((l) => String(l['msg']).startsWith('auth reset seen'))!;
  assert.match(
    String(seen['msg']),
    new RegExp(
      `^auth reset seen: sim's credential ${fingerprint(BAD)} \\(${mask(BAD).replace('…', '…')}\\) is ok again`,
    ),
  );
  assert.deepEqual(seen['credentials'], [fingerprint(BAD)]);

  // Rejected again, then a reset of the whole provider: the log names the key it put back, not the one already ok.
  const again = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await again.arrayBuffer();
  const all = await runCliInProcess(['auth', 'reset', 'sim', '--config', configPath], { env });
  assert.equal(all.code, 0, all.stderr);
  const resetsSeen = (): Line[] => lines(gw.stderr()).filter((l) => String(l['msg']).startsWith('auth reset seen'));
  await until('the second reset to be logged', () => resetsSeen().length === 2);
  const second = resetsSeen()[1]!;
  assert.deepEqual(second['credentials'], [fingerprint(BAD)]);

  // The keys swapped in the .env: the reload says which is first now, and why.
  ws.write('.env', `FIRST_KEY=${GOOD}\nSECOND_KEY=${BAD}\n`);
  await until('the reload', () => lines(gw.stderr()).some((l) => l['msg'] === 'config reloaded'), SLOW_STEP_MS);
  await until(
    'the first key after the reload',
    () =>
      lines(gw.stderr()).some(
        (l) =>
          l['provider'] === 'sim' &&
          l['credential'] === fingerprint(GOOD) &&
          String(l['msg']).startsWith('sim: the next request uses'),
      ),
    SLOW_STEP_MS,
  );
  const first = lines(gw.stderr())
    .filter((l) => l['provider'] === 'sim' && String(l['msg']).startsWith('sim: the next request uses'))
    .at(-1)!;
  assert.equal(first['key'], mask(GOOD));
  assertNoSecrets([BAD, GOOD], gw.stderr() + gw.stdout());
});
