// `switchyard demo` on a terminal: after the scripted part the gateway stays up; the printed instructions work
// (the client key file, an OpenAI SDK call with model title_generation) and Ctrl-C stops everything and removes
// the temporary directory. Skipped where util-linux `script` is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { CLI } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

test(
  'demo on a terminal stays up until Ctrl-C, and its instructions work',
  { skip: !hasScript && 'util-linux script not found' },
  async () => {
    const ws = tempWorkspace('switchyard-demo-live-');
    const env = { PATH: process.env['PATH'] ?? '', HOME: ws.dir, TERM: 'xterm', NO_COLOR: '1' };
    const child = spawn('script', ['-qfec', `exec '${process.execPath}' '${CLI}' demo`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 1200 && !/admin key in \S+admin-key/.test(screen); i++) await sleep(25);
      assert.match(screen, /5\/5 outcomes as expected/);
      const url = /Gateway\s+(http:\/\/127\.0\.0\.1:\d+) \(OpenAI/.exec(screen)?.[1];
      const keyFile = /saved in (\S+client-key)/.exec(screen)?.[1];
      assert.ok(url && keyFile, screen);
      const key = readFileSync(keyFile, 'utf8').trim();
      assert.ok(!screen.includes(key), 'the client key itself is never printed');
      // It ends with the dashboard's address; its admin key is in a file, never on the screen.
      const adminFile = /admin key in (\S+admin-key)/.exec(screen)?.[1];
      assert.ok(adminFile, screen);
      assert.ok(screen.indexOf(`Dashboard: ${url}/ui`) > screen.indexOf('Stop with'), 'the dashboard comes last');
      const adminKey = readFileSync(adminFile, 'utf8').trim();
      assert.ok(!screen.includes(adminKey), 'the admin key is never printed');
      const login = await fetch(`${url}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key: adminKey }).toString(),
      });
      assert.equal(login.status, 303, 'the dashboard opens with that key');
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
      const r = await client.chat.completions.create({
        model: 'title_generation',
        messages: [
          { role: 'system', content: 'Write a short title for this conversation.' },
          { role: 'user', content: 'Why did my key expire?' },
        ],
      });
      assert.match(r.choices[0]?.message.content ?? '', /^Sim title: Why did my key expire/);
      child.stdin.write('\x03');
      assert.equal(await exited, 0);
      assert.equal(existsSync(keyFile), false, 'the temporary directory is removed');
    } finally {
      child.kill('SIGKILL');
      ws.cleanup();
    }
  },
);
