// `auth add` at its hidden prompt on a real pseudo-terminal (util-linux `script`): Ctrl-C and Ctrl-D leave with
// our own "cancelled" line and exit code, never Node's "unsettled top-level await" warning (exit 13).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

async function atPrompt(t: TestContext, keystroke: string): Promise<{ code: number | null; screen: string }> {
  const ws = tempWorkspace('switchyard-auth-pty-');
  t.after(() => ws.cleanup());
  ws.write(
    'switchyard.yaml',
    'providers:\n  good: { type: openai, base_url: http://127.0.0.1:9/v1 }\nmain: { provider: good, model: m }\n',
  );
  const env = { PATH: process.env['PATH'] ?? '', HOME: ws.dir, TERM: 'xterm', SWITCHYARD_HOME: ws.home };
  // `script -e` exits with the child's status, so the exit code is the CLI's own.
  const child = spawn('script', ['-qfec', `exec '${process.execPath}' '${CLI}' auth add good`, '/dev/null'], {
    cwd: ws.dir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await until('the hidden-input prompt', () => screen.includes('input hidden'));
    assert.match(screen, /API key for good \(input hidden\)/);
    child.stdin.write(keystroke);
    return { code: await exited, screen };
  } finally {
    child.kill('SIGKILL');
  }
}

test(
  'auth add: Ctrl-C at the hidden prompt is a clean cancel, exit 130',
  { skip: !hasScript && 'util-linux script not found' },
  async (t) => {
    const r = await atPrompt(t, '\x03');
    assert.equal(r.code, 130, r.screen);
    assert.match(r.screen, /switchyard: cancelled; no key stored/);
    assert.doesNotMatch(r.screen, /Warning|top-level await/);
  },
);

test(
  'auth add: Ctrl-D at the hidden prompt is a clean cancel, exit 2',
  { skip: !hasScript && 'util-linux script not found' },
  async (t) => {
    const r = await atPrompt(t, '\x04');
    assert.equal(r.code, 2, r.screen);
    assert.match(r.screen, /switchyard: cancelled \(end of input\); no key stored/);
    assert.doesNotMatch(r.screen, /Warning|top-level await/);
  },
);

test(
  'auth add: the prompt stays on screen (drawn after readline clears the line), typing never echoes, the key is stored',
  { skip: !hasScript && 'util-linux script not found' },
  async (t) => {
    const secret = 'sk-typed-at-prompt-0000a1b2';
    const r = await atPrompt(t, `${secret}\r`);
    assert.equal(r.code, 0, r.screen);
    // What a terminal shows: everything after the last "clear to the end of the screen" before the answer. The prompt
    // was once written and then cleared at once, leaving a blank line.
    const beforeAnswer = r.screen.slice(0, r.screen.indexOf('stored good key'));
    const lastClear = beforeAnswer.lastIndexOf('\x1b[0J');
    assert.match(beforeAnswer.slice(lastClear), /API key for good \(input hidden\)/, JSON.stringify(beforeAnswer));
    assert.doesNotMatch(r.screen, /typed-at-prompt/, 'the key is not echoed');
    assert.match(r.screen, /stored good key sk-…a1b2/);
  },
);
