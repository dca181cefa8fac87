// `switchyard sim` as a real child process: banner, serving, masked keys, clean exit on SIGTERM; located errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { CLI, REPO_ROOT, runCli, assertNoSecrets } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'basic.yaml');
const FIXTURE_KEYS = ['sk-sim-good', 'sk-sim-never', 'sk-sim-rl', 'sk-sim-quota', 'sk-sim-payment', 'sk-sim-flaky', 'sk-sim-script', 'sk-sim-token', 'sk-sim-cache', 'sk-sim-ollama'];

test('switchyard sim serves the scenario, prints base_urls and masked keys, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [CLI, 'sim', '--scenario', FIXTURE, '--listen', '127.0.0.1:0'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1] && stdout.includes('Ctrl-C')) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`sim exited early (${code}): ${stderr}`)));
    });
    assert.match(stdout, new RegExp(`OpenAI base_url: +${url}/v1\\n`));
    assert.match(stdout, new RegExp(`Anthropic base_url: +${url}\\n`));
    assert.match(stdout, /sk-…ript: valid; script 401, 401, ok/);
    assert.match(stdout, /never valid \(401 invalid_api_key\)/);

    const call = () => fetch(`${url}/v1/chat/completions`, {
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

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
    assert.match(stdout, /openai sk-…ript sim-large → 401 auth/);
    assert.match(stdout, /stopped \(SIGTERM\) after 4 calls \(1 since the last reset\)\n/);
    assertNoSecrets(FIXTURE_KEYS, stdout + stderr);
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a bad scenario file is a located error and exit 2; so is a missing one and a bad --listen', async () => {
  const ws = tempWorkspace();
  try {
    const bad = ws.write('bad.yaml', 'keys:\n  sk-sim-a:\n    scirpt: [ok]\n');
    const r = await runCli(['sim', '--scenario', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:3:5: keys\.sk-sim-a\.scirpt: .*did you mean `script`\?/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

    const missing = await runCli(['sim', '--scenario', join(ws.dir, 'none.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /scenario file not found/);

    const listen = await runCli(['sim', '--scenario', FIXTURE, '--listen', 'nowhere']);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /--listen: expected HOST:PORT/);
  } finally {
    ws.cleanup();
  }
});
