// `switchyard sim` as a real child process: banner (keys masked, OAuth2 clients), serving, clean exit on SIGTERM;
// and, in-process, located errors.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { CLI, REPO_ROOT, runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { HUNG_PROCESS_MS } from '../helpers/until.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'basic.yaml');
const FIXTURE_KEYS = [
  'sk-sim-good',
  'sk-sim-good-2',
  'sk-sim-never',
  'sk-sim-rl',
  'sk-sim-quota',
  'sk-sim-payment',
  'sk-sim-flaky',
  'sk-sim-script',
  'sk-sim-token',
  'sk-sim-openai-only',
  'sk-sim-small-only',
  'sk-sim-cache',
  'sk-sim-ollama',
];

interface SimChild extends AsyncDisposable {
  /** The URL the banner says to use. */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `switchyard sim ARGS` as a child process until its banner is complete; `await using sim = await spawnSim(…)`
 * kills it when the test's scope ends if it still runs. */
async function spawnSim(t: TestContext, args: string[]): Promise<SimChild> {
  const child = spawn(process.execPath, [CLI, 'sim', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), HUNG_PROCESS_MS);
  t.after(() => clearTimeout(killer));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m?.[1] && stdout.includes('Ctrl-C')) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sim exited early (${code}): ${stderr}`)));
  });
  const stop = async (): Promise<number | null> => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  return { url, stdout: () => stdout, stderr: () => stderr, stop, [Symbol.asyncDispose]: kill };
}

test('switchyard sim serves the scenario, prints base_urls and masked keys, and exits 0 on SIGTERM', async (t) => {
  await using sim = await spawnSim(t, ['--scenario', FIXTURE, '--listen', '127.0.0.1:0']);
  const { url } = sim;
  assert.match(sim.stdout(), new RegExp(`OpenAI base_url: +${url}/v1\\n`));
  assert.match(sim.stdout(), new RegExp(`Anthropic base_url: +${url}\\n`));
  assert.match(sim.stdout(), /sk-…ript: valid; script 401, 401, ok/);
  assert.match(sim.stdout(), /never valid \(401 invalid_api_key\)/);
  assert.doesNotMatch(sim.stdout(), /every interface/, 'loopback only');

  const call = () =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim-script', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
    });
  assert.equal((await call()).status, 401);
  assert.equal((await call()).status, 401);
  assert.equal((await call()).status, 200);
  const counts = (await (await fetch(`${url}/_sim/calls?key=sk-sim-script`)).json()) as { count: number };
  assert.equal(counts.count, 3);
  // A reset clears the counts the control API shows, not the total served.
  assert.equal((await fetch(`${url}/_sim/reset`, { method: 'POST' })).status, 200);
  assert.equal((await call()).status, 401);

  assert.equal(await sim.stop(), 0, sim.stderr());
  assert.match(sim.stdout(), /openai sk-…ript sim-large → 401 auth/);
  assert.match(sim.stdout(), /stopped \(SIGTERM\) after 4 calls \(1 since the last reset\)\n/);
  assertNoSecrets(FIXTURE_KEYS, sim.stdout() + sim.stderr());
});

test('the banner lists the OAuth2 token URL and each client, never a client secret or refresh token in full', async (t) => {
  using ws = tempWorkspace();
  const scenario = ws.write(
    'oauth.yaml',
    'keys:\n  sk-sim-good: {}\noauth2:\n  clients:\n    app:\n      secret: client-secret-s3cret\n' +
      '      refresh_token: rt-first-refresh-token\n      expires_in: 10m\n      max_requests: 5\n',
  );
  await using sim = await spawnSim(t, ['--scenario', scenario, '--listen', '127.0.0.1:0', '--quiet']);
  assert.match(sim.stdout(), new RegExp(`\\n {2}OAuth2 token URL: +POST ${sim.url}/oauth2/token\\n`));
  assert.match(
    sim.stdout(),
    /\noauth2 clients:\n {2}app: grants client_credentials, refresh_token; secret …cret; refresh token rt-…oken \(single-use, rotated\); tokens expire after 10m; max_requests 5\n/,
  );
  const token = await fetch(`${sim.url}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: 'client-secret-s3cret',
    }),
  });
  assert.equal(token.status, 200, 'the printed token URL answers');
  await token.body?.cancel();
  assert.equal(await sim.stop(), 0, sim.stderr());
  assertNoSecrets(['client-secret-s3cret', 'rt-first-refresh-token'], sim.stdout() + sim.stderr());
});

test('--listen 0.0.0.0:PORT prints a URL a client can connect to, and says it is bound to every interface', async (t) => {
  await using sim = await spawnSim(t, ['--scenario', FIXTURE, '--listen', '0.0.0.0:0', '--quiet']);
  assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const port = new URL(sim.url).port;
  assert.match(
    sim.stdout(),
    new RegExp(
      `control: .*\\n {2}bound to every interface \\(0\\.0\\.0\\.0:${port}\\): other machines that reach this one can call it too\\n`,
    ),
  );
  assert.doesNotMatch(sim.stdout(), /0\.0\.0\.0:\d+\/|http:\/\/0\.0\.0\.0/, 'no URL names 0.0.0.0');
  const models = await fetch(`${sim.url}/v1/models`, { headers: { authorization: 'Bearer sk-sim-good' } });
  assert.equal(models.status, 200, 'the printed URL answers');
  await models.body?.cancel();
  assert.equal(await sim.stop(), 0, sim.stderr());
});

test('keys that mask alike are told apart by their ID, in the banner and in call lines, for the scenario in force', async (t) => {
  await using sim = await spawnSim(t, ['--scenario', FIXTURE, '--listen', '127.0.0.1:0']);
  const call = async (key: string) => {
    const r = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await r.body?.cancel();
    return r.status;
  };
  const id = (key: string) => fingerprint(key);
  assert.match(
    sim.stdout(),
    new RegExp(`\\n {2}sk-…only \\(ID ${id('sk-sim-openai-only')}\\): valid; only openai API\\n`),
  );
  assert.match(
    sim.stdout(),
    new RegExp(`\\n {2}sk-…only \\(ID ${id('sk-sim-small-only')}\\): valid; only models sim-small\\n`),
  );
  assert.equal(await call('sk-sim-openai-only'), 200);
  assert.equal(await call('sk-sim-small-only'), 404);
  assert.equal(await call('sk-not-listed-only'), 401);
  // A new scenario where the mask is no longer shared: the key is named by its mask alone again.
  const put = await fetch(`${sim.url}/_sim/scenario`, { method: 'PUT', body: 'keys:\n  sk-sim-small-only: {}\n' });
  assert.equal(put.status, 200);
  await put.body?.cancel();
  assert.equal(await call('sk-sim-small-only'), 200);

  assert.equal(await sim.stop(), 0, sim.stderr());
  const out = sim.stdout();
  assert.match(out, new RegExp(`openai sk-…only \\(ID ${id('sk-sim-openai-only')}\\) sim-large → 200 ok\\n`));
  assert.match(out, new RegExp(`openai sk-…only \\(ID ${id('sk-sim-small-only')}\\) sim-large → 404 not_found\\n`));
  assert.match(
    out,
    new RegExp(`openai sk-…only \\(ID ${id('sk-not-listed-only')}\\) sim-large → 401 auth\\n`),
    'an unlisted key carries its ID',
  );
  assert.match(out, /openai sk-…only sim-large → 200 ok\nswitchyard sim: stopped/);
  assertNoSecrets([...FIXTURE_KEYS, 'sk-not-listed-only'], out + sim.stderr());
});

test('a bad scenario file is a located error and exit 2; so is a missing one and a bad --listen', async () => {
  using ws = tempWorkspace();
  const bad = ws.write('bad.yaml', 'keys:\n  sk-sim-a:\n    scirpt: [ok]\n');
  const r = await runCliInProcess(['sim', '--scenario', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:3:5: keys\.sk-sim-a\.scirpt: .*did you mean `script`\?/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

  const missing = await runCliInProcess(['sim', '--scenario', join(ws.dir, 'none.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /scenario file not found/);

  const listen = await runCliInProcess(['sim', '--scenario', FIXTURE, '--listen', 'nowhere']);
  assert.equal(listen.code, 2);
  assert.match(listen.stderr, /--listen: expected HOST:PORT/);
});
