// The interactive chat on a real pseudo-terminal (util-linux `script`): the prompt, Ctrl-C cancelling the answer
// in progress but not the session, Ctrl-C at the prompt leaving, and typing while an answer streams. Skipped where
// `script` is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { CLI, runCliInProcess } from '../helpers/cli.ts';
import { HUNG_PROCESS_MS, HUNG_TEST_MS, until } from '../helpers/until.ts';
import { BACKUP, FAST_RETRY, GOOD, SCENARIO, SLOW, simProvider, startChatWorld } from '../sessions/harness.ts';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** `switchyard chat` on a pseudo-terminal in world `w`: its process, what it has drawn so far, and its exit code. */
function chatOnTerminal(w: Awaited<ReturnType<typeof startChatWorld>>): {
  child: ChildProcessWithoutNullStreams;
  screen: () => string;
  exited: Promise<number | null>;
} {
  const env = { PATH: process.env['PATH'] ?? '', HOME: w.dir, TERM: 'xterm', NO_COLOR: '1', ...w.cliEnv };
  const child = spawn('script', ['-qfec', `exec '${process.execPath}' '${CLI}' chat`, '/dev/null'], {
    env,
    stdio: 'pipe',
  });
  let drawn = '';
  child.stdout.on('data', (d: Buffer) => (drawn += d.toString()));
  // 'close', not 'exit': the last of the screen may still be in the pipe when the process has exited.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code: number | null) => resolve(code)));
  return { child, screen: () => drawn, exited };
}

test(
  'on a terminal: prompt, Ctrl-C cancels the answer, Ctrl-C at the prompt exits',
  { skip: !hasScript && 'util-linux script not found', timeout: HUNG_TEST_MS },
  async () => {
    const w = await startChatWorld(SCENARIO, (url) => ({
      providers: { main: simProvider(url, GOOD), backup: simProvider(url, BACKUP), slow: simProvider(url, SLOW) },
      main: { provider: 'main', model: 'sim-large' },
      auxiliary: { title_generation: { provider: 'none' } },
      retry: FAST_RETRY,
    }));
    const { child, screen, exited } = chatOnTerminal(w);
    try {
      await until('the prompt', () => screen().includes('> '));
      assert.match(screen(), /switchyard chat — new session/);
      child.stdin.write('hello tty\r');
      await until('the answer', () => screen().includes('[sim-large] reply to: hello tty'));
      child.stdin.write('/model slow/sim-large\r');
      await until('the route change', () => screen().includes('route: slow/sim-large'));
      child.stdin.write('a slow question\r');
      await until('the slow call', () => w.sim.calls(SLOW) === 1);
      child.stdin.write('\x03');
      await until('the cancellation', () => screen().includes('answer cancelled'));
      child.stdin.write('/model default\r');
      child.stdin.write('still here?\r');
      await until('the session to go on', () => screen().includes('reply to: still here?'));
      child.stdin.write('\x03');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await w.close();
    }
  },
);

test(
  'on a terminal: leaving while the background title is still running exits 0, without an internal error',
  { skip: !hasScript && 'util-linux script not found', timeout: HUNG_TEST_MS },
  async () => {
    const w = await startChatWorld(SCENARIO, (url) => ({
      providers: { main: simProvider(url, GOOD), slow: simProvider(url, SLOW) },
      main: { provider: 'main', model: 'sim-large' },
      // The title call outlives the chat and fails after it was left: its notice must not reopen the prompt.
      auxiliary: {
        title_generation: { provider: 'slow', model: 'sim-large', timeout: '500ms', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }));
    const { child, screen, exited } = chatOnTerminal(w);
    try {
      await until('the prompt', () => screen().includes('> '));
      child.stdin.write('hello tty\r');
      await until('the answer', () => screen().includes('[sim-large] reply to: hello tty'));
      await until('the title call', () => w.sim.calls(SLOW) === 1);
      child.stdin.write('\x04');
      assert.equal(await exited, 0, screen());
      assert.doesNotMatch(screen(), /internal error/);
      assert.match(screen(), /title: kept "hello tty"/);
    } finally {
      child.kill('SIGKILL');
      await w.close();
    }
  },
);

test(
  'on a terminal: what is typed while an answer streams is not echoed into it — an entered line is sent next, at its own prompt; an unfinished one waits at the prompt',
  { skip: !hasScript && 'util-linux script not found', timeout: HUNG_TEST_MS },
  async () => {
    const STREAMY = 'sk-chat-streamy-key-0000ffff';
    // One word every 200ms: the first answer streams for about two seconds, time enough to type into it.
    const scenario = { ...SCENARIO, keys: { ...SCENARIO.keys, [STREAMY]: { stream_delay: '200ms' } } };
    const w = await startChatWorld(scenario, (url) => ({
      providers: { main: simProvider(url, STREAMY) },
      main: { provider: 'main', model: 'sim-large' },
      auxiliary: { title_generation: { provider: 'none' } },
      retry: FAST_RETRY,
    }));
    const { child, screen, exited } = chatOnTerminal(w);
    const question = 'one two three four five six seven eight';
    try {
      await until('the prompt', () => screen().includes('> '));
      child.stdin.write(`${question}\r`);
      await until('the answer to start', () => screen().includes('reply to:'));
      child.stdin.write('typed ahead\rstill typ');
      await until('the line typed ahead to be answered', () => screen().includes('reply to: typed ahead'));
      await until('the unfinished line back at the prompt', () =>
        screen().split('reply to: typed ahead')[1]!.includes('still typ'),
      );
      child.stdin.write('ing\r');
      await until(
        'the finished line to be answered',
        () => screen().split('reply to: still typing')[1]?.includes('1 attempt') === true,
      );
      child.stdin.write('\x03');
      // Bounded: a chat that did not leave must fail the test, not hang it.
      assert.equal(
        await Promise.race([exited, sleep(HUNG_PROCESS_MS, undefined, { ref: false }).then(() => 'still running')]),
        0,
        screen(),
      );

      const plain = stripVTControlCharacters(screen()).replace(/\r/g, '');
      // The first answer is whole, and nothing typed shows up inside it.
      assert.match(plain, new RegExp(`\\[sim-large\\] reply to: ${question}\\n  main/sim-large · 1 attempt\\n`), plain);
      // The line entered during it is shown at its own prompt, then answered; the unfinished one waited for the next.
      const after = [
        '> typed ahead',
        '[sim-large] reply to: typed ahead',
        '  main/sim-large · 1 attempt',
        '> still typing',
        '[sim-large] reply to: still typing',
        '',
      ].join('\n');
      assert.ok(plain.includes(`\n${after}`), plain);
      const shown = await runCliInProcess(['sessions', 'list', '--json'], { env: w.cliEnv });
      const [session] = JSON.parse(shown.stdout) as { id: string }[];
      const messages = JSON.parse(
        (await runCliInProcess(['sessions', 'show', session!.id, '--json'], { env: w.cliEnv })).stdout,
      ) as { messages: { role: string; content: string }[] };
      assert.deepEqual(
        messages.messages.filter((m) => m.role === 'user').map((m) => m.content),
        [question, 'typed ahead', 'still typing'],
      );
    } finally {
      child.kill('SIGKILL');
      await w.close();
    }
  },
);
