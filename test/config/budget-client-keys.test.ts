// A budget on a client key no stored key is named never applies: `config check` reads the keys from the state store
// the config names and says so, with the nearest name, without creating a state file that is not there yet.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';

const ws = tempWorkspace('switchyard-budget-keys-');
after(() => ws.cleanup());

const CONFIG = (key: string): string =>
  'providers:\n  p: { type: openai, base_url: https://api.example.com/v1, api_key: sk-literal000000000000abcd }\n' +
  `main: { provider: p, model: m }\nbudgets:\n  laptop-spend: { client_key: ${key}, requests: { day: 100 } }\n`;

let n = 0;
function project(key: string): { dir: string; home: string } {
  const rel = `p${n++}`;
  ws.write(join(rel, 'switchyard.yaml'), CONFIG(key));
  return { dir: join(ws.dir, rel), home: join(ws.dir, rel, 'state') };
}
const run = (p: { dir: string; home: string }, args: string[]) =>
  runCliInProcess(args, { cwd: p.dir, env: { HOME: ws.home, SWITCHYARD_HOME: p.home } });

test('config check warns of a budget naming a client key no stored key has, with the nearest name', async () => {
  const p = project('laptp');
  for (const name of ['laptop', 'ci-runner']) {
    const made = await run(p, ['gateway', 'keys', 'create', name]);
    assert.equal(made.code, 0, made.stderr);
  }
  const r = await run(p, ['config', 'check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /warning: budgets\.laptop-spend\.client_key: no client key is named `laptp` \(did you mean `laptop`\?\), so this budget never applies \(client keys: laptop, ci-runner; `switchyard gateway keys create laptp` makes one\)/,
  );
});

test('config check is quiet about a budget whose client key exists, and says a revoked one is revoked', async () => {
  const p = project('laptop');
  await run(p, ['gateway', 'keys', 'create', 'laptop']);
  const fine = await run(p, ['config', 'check']);
  assert.equal(fine.code, 0, fine.stderr);
  assert.doesNotMatch(fine.stdout, /client_key/);
  await run(p, ['gateway', 'keys', 'revoke', 'laptop']);
  const revoked = await run(p, ['config', 'check']);
  assert.match(
    revoked.stdout,
    /warning: budgets\.laptop-spend\.client_key: client key `laptop` is revoked, so this budget never applies/,
  );
});

test('config check with no state file yet says no client keys exist, and creates none', async () => {
  const p = project('laptop');
  const r = await run(p, ['config', 'check', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { files: { warnings: string[] }[] };
  assert.ok(
    out.files[0]!.warnings.some((w) => /`laptop`.*never applies \(no client keys exist yet;/.test(w)),
    out.files[0]!.warnings.join('\n'),
  );
  assert.equal(existsSync(join(p.home, 'state.db')), false, 'the check made no state file');
});

test(
  'with gateway.state in Redis, config check reads the client keys there, and says when it cannot',
  { skip: REDIS_MISSING },
  async () => {
    await using redis = await startTestRedis();
    const rel = `p${n++}`;
    const config = (url: string): string => `${CONFIG('laptp')}gateway: { state: "${url}" }\n`;
    const file = ws.write(join(rel, 'switchyard.yaml'), config(redis.url));
    const p = { dir: join(ws.dir, rel), home: join(ws.dir, rel, 'state') };
    // Named with --config: a ./switchyard.yaml found in the current directory may not choose the store.
    const run = (args: string[]) =>
      runCliInProcess(['--config', file, ...args], { cwd: p.dir, env: { HOME: ws.home, SWITCHYARD_HOME: p.home } });
    const made = await run(['gateway', 'keys', 'create', 'laptop']);
    assert.equal(made.code, 0, made.stderr);
    const r = await run(['config', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no client key is named `laptp` \(did you mean `laptop`\?\)/);

    await redis.stop();
    ws.write(join(rel, 'switchyard.yaml'), config(`redis://127.0.0.1:${redis.port}/1`));
    const down = await run(['config', 'check']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(
      down.stdout,
      /warning: the budgets' client keys were not checked: Redis at redis:\/\/127\.0\.0\.1:\d+\/1 could not be read/,
    );
    assert.doesNotMatch(down.stdout, /no client key is named/);
  },
);

test('config check warns of a budget on the end users of a key that reads none', async () => {
  const rel = `p${n++}`;
  ws.write(
    join(rel, 'switchyard.yaml'),
    'providers:\n  p: { type: openai, base_url: https://api.example.com/v1, api_key: sk-literal000000000000abcd }\n' +
      'main: { provider: p, model: m }\nbudgets:\n' +
      '  each: { client_key: plain, per_user: true, requests: { day: 100 } }\n' +
      '  fine: { client_key: team, per_user: true, requests: { day: 100 } }\n',
  );
  const p = { dir: join(ws.dir, rel), home: join(ws.dir, rel, 'state') };
  assert.equal((await run(p, ['gateway', 'keys', 'create', 'plain'])).code, 0);
  assert.equal((await run(p, ['gateway', 'keys', 'create', 'team', '--user-from', 'body'])).code, 0);
  const r = await run(p, ['config', 'check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /warning: budgets\.each\.per_user: client key `plain` reads no end users \(it was made without --user-from\), so all its requests count as one user/,
  );
  assert.doesNotMatch(r.stdout, /budgets\.fine/);
});
