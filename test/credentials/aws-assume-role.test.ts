// An assumed role's session as the minter keeps it: assumed at the simulator's STS with the source profile's keys,
// used until shortly before its Expiration, then assumed again in the background while the old one still serves —
// the clock injected, so nothing waits for a real session to run out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Minter } from '../../src/credentials/minted/minter.ts';
import type { MintedSource } from '../../src/credentials/minted/spec.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';

test("an assumed role's session is assumed again before it expires, the old one serving meanwhile", async (t) => {
  using ws = tempWorkspace('switchyard-assume-');
  await using sim = await startSimulator({
    scenario: { keys: { AKIASIMSOURCE0000009: { aws_secret: 'source/secret+9' } }, sts: { session: '15m' } },
  });
  ws.write(
    'credentials',
    '[base]\naws_access_key_id = AKIASIMSOURCE0000009\naws_secret_access_key = source/secret+9\n',
  );
  ws.write('config', '[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n');
  const source: MintedSource = {
    provider: 'bedrock',
    spec: {
      kind: 'aws',
      profile: 'role',
      credentialsFile: join(ws.dir, 'credentials'),
      configFile: join(ws.dir, 'config'),
      stsEndpoint: sim.url,
      timeoutMs: 10_000,
    },
    id: 'aws-role',
    version: 'aws-role',
    where: 'providers.bedrock.aws_credentials',
    describe: 'aws profile role',
    waitMs: 10_000,
  };
  let now = Date.now();
  const minter = new Minter({ now: () => now });
  t.after(() => minter.close());
  const first = await minter.token(source);
  assert.match(first.token, /^ASIASIMSTS\d+:/);
  assert.ok(first.expiresAt !== undefined && first.expiresAt > now, 'the session says when it expires');
  assert.equal(sim.sts().assumed, 1);
  // A minute before the end (inside refreshAheadMs, outside safetyMs): the old session still serves, a new one comes.
  now = first.expiresAt - 30_000;
  assert.equal((await minter.token(source)).token, first.token);
  await until('the role assumed again', () => sim.sts().assumed === 2, SLOW_STEP_MS);
  await until('the new session in use', async () => (await minter.token(source)).token !== first.token, SLOW_STEP_MS);
});
