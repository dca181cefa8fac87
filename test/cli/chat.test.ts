// `switchyard chat` and `switchyard sessions` as a user runs them: the real CLI in-process (a child process where the
// process is the subject: kill -9, a chat left running), the real simulator over loopback, state in a temp
// SWITCHYARD_HOME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, afterInEffect, assertNoSecrets, inEffectJson, runCliInProcess } from '../helpers/cli.ts';
import { WAIT_MS } from '../helpers/until.ts';
import {
  ALL_KEYS,
  BACKUP,
  BAD,
  FAST_RETRY,
  GOOD,
  SCENARIO,
  SLOW,
  simProvider,
  startChatWorld,
  type ChatWorld,
} from '../sessions/harness.ts';

function world(mainKey = GOOD, aux: Record<string, unknown> = {}): Promise<ChatWorld> {
  return startChatWorld(SCENARIO, (url) => ({
    providers: { main: simProvider(url, mainKey), backup: simProvider(url, BACKUP), slow: simProvider(url, SLOW) },
    main: { provider: 'main', model: 'sim-large' },
    auxiliary: aux,
    retry: FAST_RETRY,
  }));
}

interface Answer {
  session: string;
  answer: string;
  route: string;
  attempts: number;
  title: string;
}

test('chat -m --json answers once and waits for the generated title', async () => {
  await using w = await world();
  const r = await runCliInProcess(['chat', '-m', 'What is a masked key?', '--json'], { env: w.cliEnv });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Answer;
  assert.equal(out.answer, '[sim-large] reply to: What is a masked key?');
  assert.equal(out.route, 'main/sim-large');
  assert.equal(out.attempts, 1);
  assert.equal(out.title, 'Sim title: What is a masked key');
  assert.equal(w.sim.calls(GOOD), 2);

  const more = await runCliInProcess(['chat', '-m', 'And a fingerprint?', '--session', out.session.slice(0, 5)], {
    env: w.cliEnv,
  });
  assert.equal(more.code, 0, more.stderr);
  assert.equal(more.stdout, '[sim-large] reply to: And a fingerprint?\n');
  assert.equal(w.sim.calls(GOOD), 3, 'no second title call for the same session');

  const shown = await runCliInProcess(['sessions', 'show', out.session, '--json'], { env: w.cliEnv });
  const session = JSON.parse(shown.stdout) as { title: string; title_source: string; messages: { content: string }[] };
  assert.equal(session.title_source, 'generated');
  assert.deepEqual(
    session.messages.map((m) => m.content),
    ['What is a masked key?', out.answer, 'And a fingerprint?', '[sim-large] reply to: And a fingerprint?'],
  );
});

test('chat -m --no-session: the answer alone — no session stored, no title call', async () => {
  await using w = await world();
  const r = await runCliInProcess(['chat', '-m', 'hello', '--no-session', '--json'], { env: w.cliEnv });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(out['answer'], '[sim-large] reply to: hello');
  assert.equal(out['session'], null);
  assert.equal(out['title'], null);
  const plain = await runCliInProcess(['chat', '-m', 'again', '--no-session'], { env: w.cliEnv });
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, '[sim-large] reply to: again\n');
  assert.equal(w.sim.calls(GOOD), 2, 'one call per answer, none for a title');
  assert.match((await runCliInProcess(['sessions', 'list'], { env: w.cliEnv })).stdout, /no sessions yet/);

  const interactive = await runCliInProcess(['chat', '--no-session'], { env: w.cliEnv });
  assert.equal(interactive.code, 2);
  assert.match(interactive.stderr, /--no-session needs -m "message"/);
});

test('chat -m failing: exit 1 with the explained error on stderr, no stack trace, no secret', async () => {
  await using w = await world(BAD, { title_generation: { provider: 'none' } });
  const r = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    afterInEffect(r.stderr),
    /^switchyard: main: main rejected key sk-…5555 \(config\) \(HTTP 401: Incorrect API key provided: sk-…5555\. [^\n]*\); it has never been accepted — check or replace it\n$/,
  );
  const j = await runCliInProcess(['chat', '-m', 'hello', '--json'], { env: w.cliEnv });
  assert.equal(j.code, 1);
  const out = JSON.parse(j.stdout) as { error: string; kind: string };
  assert.match(out.error, /unusable|never been accepted/);
  assert.equal(w.sim.calls(BAD), 1);
  assertNoSecrets(ALL_KEYS);
});

test('usage errors exit 2', async () => {
  await using w = await world();
  const json = await runCliInProcess(['chat', '--json'], { env: w.cliEnv });
  assert.equal(json.code, 2);
  assert.match(json.stderr, /--json needs -m/);
  const missing = await runCliInProcess(['sessions', 'show', 'nope'], { env: w.cliEnv });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no session "nope"/);
  const route = await runCliInProcess(['chat', '-m', 'x', '--model', 'ghost/model'], { env: w.cliEnv });
  assert.equal(route.code, 2);
  assert.match(route.stderr, /no provider "ghost"/);
});

test('interactive chat with piped stdin: one line per message, commands, /quit', async () => {
  await using w = await world();
  const input = [
    'hello there',
    '/title',
    '/title  My chat ',
    'second one',
    '/model backup/sim-large',
    'third one',
    '/bogus',
    '/quit',
    'never sent',
    '',
  ].join('\n');
  const r = await runCliInProcess(['chat'], { env: w.cliEnv, input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      '[sim-large] reply to: hello there',
      'title: hello there (derived)',
      'title set: My chat',
      '[sim-large] reply to: second one',
      'route: backup/sim-large for this session',
      '[sim-large] reply to: third one',
      '',
    ].join('\n'),
  );
  assert.match(r.stderr, /unknown command \/bogus/);
  assert.equal(w.sim.calls(BACKUP), 1);
  assert.equal(w.sim.calls(GOOD), 3, 'two turns and one title call; "never sent" was not');
  const list = JSON.parse((await runCliInProcess(['sessions', 'list', '--json'], { env: w.cliEnv })).stdout) as {
    id: string;
    title: string;
    title_source: string;
    messages: number;
  }[];
  assert.equal(list.length, 1);
  assert.equal(list[0]?.title, 'My chat', 'the user title won over the generated one');
  assert.equal(list[0]?.messages, 6);
  const rm = await runCliInProcess(['sessions', 'rm', list[0]?.id ?? ''], { env: w.cliEnv });
  assert.equal(rm.code, 0);
  assert.match(rm.stdout, /removed session/);
  assert.match((await runCliInProcess(['sessions', 'list'], { env: w.cliEnv })).stdout, /no sessions yet/);
});

test('chat --model stores no session until a message is sent; --session "" is a usage error', async () => {
  await using w = await world();
  const quit = await runCliInProcess(['chat', '--model', 'backup/sim-large'], { env: w.cliEnv, input: '/quit\n' });
  assert.equal(quit.code, 0, quit.stderr);
  const empty = await runCliInProcess(['chat', '--model', 'backup/sim-large'], { env: w.cliEnv, input: '' });
  assert.equal(empty.code, 0, empty.stderr);
  assert.match((await runCliInProcess(['sessions', 'list'], { env: w.cliEnv })).stdout, /no sessions yet/);
  const blank = await runCliInProcess(['chat', '-m', 'hi', '--session', ''], { env: w.cliEnv });
  assert.equal(blank.code, 2);
  assert.match(blank.stderr, /--session needs a session id/);
  const sent = await runCliInProcess(['chat', '--model', 'backup/sim-large'], { env: w.cliEnv, input: 'hello\n' });
  assert.equal(sent.code, 0, sent.stderr);
  const list = JSON.parse((await runCliInProcess(['sessions', 'list', '--json'], { env: w.cliEnv })).stdout) as {
    route: string;
    title: string;
  }[];
  assert.deepEqual(
    list.map((s) => [s.route, s.title]),
    [['backup/sim-large', 'Sim title: hello']],
  );
});

test('piped chat exits 1 when a message got no answer; every failed route gets its own line', async () => {
  const w = await startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: simProvider(url, BAD),
      nokey: { type: 'openai', base_url: `${url}/v1`, key_env: 'SWITCHYARD_TEST_UNUSED_KEY' },
    },
    main: { provider: 'main', model: 'sim-large' },
    fallback: [{ provider: 'nokey', model: 'sim-large' }],
    auxiliary: { title_generation: { provider: 'none' } },
    retry: FAST_RETRY,
  }));
  try {
    const piped = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello\nsecond\n' });
    assert.equal(piped.code, 1, piped.stderr);
    assert.equal(piped.stdout, '');
    const once = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(once.code, 1);
    const lines = afterInEffect(once.stderr).trimEnd().split('\n');
    assert.equal(lines.length, 3, once.stderr);
    assert.equal(lines[0], 'switchyard: main: every route failed');
    assert.match(lines[1]!, /^ {2}1\. main\/sim-large: .*main.*sk-…5555/, 'the key rejected in the piped run is named');
    assert.match(lines[2]!, /^ {2}2\. nokey\/sim-large: no API key for provider nokey/);
    const json = await runCliInProcess(['chat', '-m', 'hello', '--json'], { env: w.cliEnv });
    const out = JSON.parse(json.stdout) as { kind: string; failures: { route: string; kind: string }[] };
    assert.deepEqual(
      out.failures.map((f) => [f.route, f.kind]),
      [
        ['main/sim-large', 'auth_rejected'],
        ['nokey/sim-large', 'auth_missing'],
      ],
    );
    assertNoSecrets(ALL_KEYS);
  } finally {
    await w.close();
  }
});

test('chat -m with no main route: a configuration error (exit 2, kind config), no session stored', async () => {
  const w = await startChatWorld(SCENARIO, (url) => ({ providers: { main: simProvider(url, GOOD) } }));
  try {
    const r = await runCliInProcess(['chat', '-m', 'hello', '--json'], { env: w.cliEnv });
    assert.equal(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout) as { session: string | null; kind: string; error: string };
    assert.equal(out.kind, 'config');
    assert.equal(out.session, null);
    assert.equal((out as { title?: unknown }).title, null, 'no session, so no "New chat" title either');
    assert.match(out.error, /no main route is configured/);
    assert.match(afterInEffect(r.stderr), /^switchyard: no main route is configured/);
    const plain = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(plain.code, 2);
    assert.match((await runCliInProcess(['sessions', 'list'], { env: w.cliEnv })).stdout, /no sessions yet/);
    assert.equal(w.sim.calls(GOOD), 0);
  } finally {
    await w.close();
  }
});

test('kill -9 during an answer loses no earlier message', async () => {
  await using w = await world();
  const first = await runCliInProcess(['chat', '-m', 'first message', '--json'], { env: w.cliEnv });
  const id = (JSON.parse(first.stdout) as Answer).session;
  const env = { PATH: process.env['PATH'] ?? '', HOME: w.dir, ...w.cliEnv };
  const child = spawn(
    process.execPath,
    [CLI, 'chat', '--session', id, '--model', 'slow/sim-large', '-m', 'second message'],
    { env, stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    // A generous bound (a CLI start can take seconds on a loaded machine); the exit is as soon as the call arrives.
    for (let i = 0; i < 2400 && w.sim.calls(SLOW) === 0; i++) await sleep(25);
    assert.equal(w.sim.calls(SLOW), 1, 'the slow answer was under way');
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const shown = JSON.parse((await runCliInProcess(['sessions', 'show', id, '--json'], { env: w.cliEnv })).stdout) as {
    messages: { role: string; content: string }[];
  };
  assert.deepEqual(
    shown.messages.map((m) => `${m.role}: ${m.content}`),
    ['user: first message', 'assistant: [sim-large] reply to: first message', 'user: second message'],
  );
});

test('chat -m --json: every usage or configuration mistake prints the documented JSON too (exit 2)', async () => {
  await using w = await world();
  const cases: [string[], RegExp][] = [
    [['--model', 'nosuch/x'], /no provider "nosuch"/],
    [['--model', 'garbage'], /expected a route as provider\/model/],
    [['--session', 'zzzz'], /no session "zzzz"/],
    [['--session', ''], /--session needs a session id/],
  ];
  for (const [args, why] of cases) {
    const r = await runCliInProcess(['chat', '-m', 'x', '--json', ...args], { env: w.cliEnv });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why);
    const { in_effect: inEffect, ...out } = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(
      { ...out, error: '' },
      { session: null, error: '', kind: 'config', attempts: 0, failures: [], title: null },
    );
    // Said once the config is loaded (an empty --session is refused before).
    if (args[0] !== '--session' || args[1] !== '') assert.deepEqual(inEffect, inEffectJson(w.configPath, w.home));
    assert.match(String(out['error']), why);
  }
  assert.equal(w.sim.calls(), 0);
  assert.match((await runCliInProcess(['sessions', 'list'], { env: w.cliEnv })).stdout, /no sessions yet/);
});

test('piped: /title before the first message is held like /model — leaving stores nothing', async () => {
  await using w = await world();
  const r = await runCliInProcess(['chat'], { env: w.cliEnv, input: '/model backup/sim-large\n/title Pre Title\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.match((await runCliInProcess(['sessions', 'list'], { env: w.cliEnv })).stdout, /no sessions yet/);
  const sent = await runCliInProcess(['chat'], { env: w.cliEnv, input: '/title Pre Title\nhello\n' });
  assert.equal(sent.code, 0, sent.stderr);
  const list = JSON.parse((await runCliInProcess(['sessions', 'list', '--json'], { env: w.cliEnv })).stdout) as {
    title: string;
    title_source: string;
  }[];
  assert.deepEqual(
    list.map((s) => [s.title, s.title_source]),
    [['Pre Title', 'user']],
  );
  assert.equal(w.sim.calls(GOOD), 1, 'no title call: the user set one');
});

test('a running chat picks up an edited config: an invalid edit keeps the old one (said once), a new key is used at once', async () => {
  const w = await world(BAD, { title_generation: { provider: 'none' } });
  const env = { PATH: process.env['PATH'] ?? '', HOME: w.dir, ...w.cliEnv };
  const child = spawn(process.execPath, [CLI, 'chat'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const until = async (check: () => boolean, what: string): Promise<void> => {
    const end = Date.now() + WAIT_MS;
    while (!check() && Date.now() < end) await sleep(25);
    assert.ok(check(), `timed out waiting for ${what}; stderr: ${stderr}`);
  };
  try {
    child.stdin.write('hello\n');
    await until(() => /error: .*never been accepted/.test(stderr), 'the failed answer');
    const good = readFileSync(w.configPath, 'utf8');
    writeFileSync(w.configPath, `${good}\nretry: [not, a, mapping]\n`);
    await until(() => stderr.includes('the chat goes on with the previous config'), 'the invalid config notice');
    writeFileSync(w.configPath, good.replace(BAD, GOOD));
    await until(() => stderr.includes('config: reloaded'), 'the reload');
    child.stdin.write('again\n');
    await until(() => stdout.includes('[sim-large] reply to: again'), 'the answer with the new key');
    child.stdin.end();
    assert.equal(await exited, 1, 'the first message got no answer');
    assert.equal(stderr.match(/previous config/g)?.length, 1);
    assert.equal(w.sim.calls(GOOD), 1);
    assertNoSecrets(ALL_KEYS);
  } finally {
    child.kill('SIGKILL');
    await w.close();
  }
});

test('a key set aside is noted by where it is set — the .env variable, the stored entry — masked, never in clear', async () => {
  const DOTENV_KEY = 'sk-chat-dotenv-dead-0000aaaa';
  const STORED_KEY = 'sk-chat-stored-dead-0000bbbb';
  const w = await startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: { type: 'openai', base_url: `${url}/v1`, key_env: 'MAIN_API_KEY' },
      backup: simProvider(url, BACKUP),
    },
    main: { provider: 'main', model: 'sim-large' },
    fallback: [{ provider: 'backup', model: 'sim-large' }],
    auxiliary: { title_generation: { provider: 'none' } },
    retry: FAST_RETRY,
  }));
  try {
    const dotenv = join(w.dir, '.env');
    writeFileSync(dotenv, `MAIN_API_KEY=${DOTENV_KEY}\n`, { mode: 0o600 });
    const fromDotenv = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(fromDotenv.code, 0, fromDotenv.stderr);
    assert.equal(
      afterInEffect(fromDotenv.stderr),
      'note: main rejected key sk-…aaaa (from .env MAIN_API_KEY); answering from backup/sim-large — `switchyard auth explain main`\n',
    );

    rmSync(dotenv);
    const added = await runCliInProcess(['auth', 'add', 'main', '--label', 'old'], {
      env: w.cliEnv,
      input: STORED_KEY,
    });
    assert.equal(added.code, 0, added.stderr);
    const fromStore = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello again\n' });
    assert.equal(fromStore.code, 0, fromStore.stderr);
    assert.equal(
      afterInEffect(fromStore.stderr),
      'note: main rejected key sk-…bbbb (stored "old"); answering from backup/sim-large — `switchyard auth explain main`\n',
    );
    assertNoSecrets([...ALL_KEYS, DOTENV_KEY, STORED_KEY]);
  } finally {
    await w.close();
  }
});

test('a failed title or summary names every route tried and what happened there, on one line, with the hint to fix', async () => {
  const DEAD = ['sk-chat-dead-one-0000cccc', 'sk-chat-dead-two-0000dddd'];
  // Each task on its own slow provider: four timeouts on one would come close to opening its circuit breaker.
  const chain = (slow: string, fallback: string): Record<string, unknown> => ({
    provider: slow,
    model: 'sim-large',
    fallback_chain: [{ provider: fallback, model: 'sim-large' }],
    fallback_to_main: false,
  });
  const w = await startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: simProvider(url, GOOD),
      slow: { ...simProvider(url, SLOW), timeout: '300ms' },
      slower: { ...simProvider(url, SLOW), timeout: '300ms' },
      bad: simProvider(url, BAD),
      dead: { ...simProvider(url, ''), api_key: undefined, api_keys: DEAD },
    },
    main: { provider: 'main', model: 'sim-large' },
    auxiliary: {
      title_generation: chain('slow', 'bad'),
      compression: { ...chain('slower', 'dead'), protect_first: 1, protect_last: 1 },
    },
    retry: FAST_RETRY,
  }));
  try {
    const r = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello there\nsecond\n/compress\n' });
    assert.equal(r.code, 0, r.stderr);
    // The first route timed out; the fallback's key problem leads the explanation, but must not hide the timeout.
    const title = r.stderr.split('\n').filter((l) => l.startsWith('title:'));
    // Both streams: once at load 17 stderr had no title line, and what the chat said instead was not shown.
    assert.equal(title.length, 1, `${r.stderr}\n--- stdout ---\n${r.stdout}`);
    assert.equal(
      title[0],
      'title: kept "hello there" — title_generation: every route failed: 1. slow/sim-large did not answer within 300ms (providers.slow.timeout); retried 1× with backoff; ' +
        '2. bad/sim-large: bad rejected key sk-…5555 (config) (HTTP 401: Incorrect API key provided: sk-…5555. You can find your API key at https://platform.openai.com/account/api-keys.); it has never been accepted — check or replace it',
    );
    const compression = r.stdout.split('\n').filter((l) => l.startsWith('compression:'));
    assert.equal(compression.length, 1, r.stdout);
    assert.match(
      compression[0]!,
      /^compression: summary failed, the history is kept as it was \(2 earlier messages not summarised\) — compression: every route failed: 1\. slower\/sim-large did not answer within 300ms \(providers\.slower\.timeout\); retried 1× with backoff; 2\. dead\/sim-large: every key for dead is unusable — sk-…cccc \(config providers\.dead\.api_keys\[0\]\): rejected \(never worked\).*; add a key with `switchyard auth add dead`/,
    );
    assertNoSecrets([...ALL_KEYS, ...DEAD]);
  } finally {
    await w.close();
  }
});

test('a title or summary that came from a fallback says once why the first route did not answer', async () => {
  const chain = (first: string): Record<string, unknown> => ({
    provider: first,
    model: 'sim-large',
    fallback_chain: [{ provider: 'main', model: 'sim-large' }],
    fallback_to_main: false,
  });
  const w = await startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: simProvider(url, GOOD),
      bad: simProvider(url, BAD),
      slow: { ...simProvider(url, SLOW), timeout: '300ms' },
    },
    main: { provider: 'main', model: 'sim-large' },
    auxiliary: { title_generation: chain('bad'), compression: { ...chain('slow'), protect_first: 1, protect_last: 1 } },
    retry: FAST_RETRY,
  }));
  try {
    const r = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello there\nsecond\n/compress\n' });
    assert.equal(r.code, 0, r.stderr);
    const title = r.stderr.split('\n').filter((l) => l.startsWith('title:'));
    assert.equal(title.length, 1, r.stderr);
    assert.match(
      title[0]!,
      /^title: ".+" came from main\/sim-large; bad rejected key sk-…5555 \(config\) — `switchyard auth explain bad`$/,
    );
    const compressed = r.stdout.split('\n').filter((l) => l.startsWith('compressed:'));
    assert.equal(compressed.length, 1, r.stdout);
    assert.match(
      compressed[0]!,
      /summarised by main\/sim-large \(≈\d+ → \d+ prompt tokens\); slow\/sim-large failed first: no answer within 300ms \(providers\.slow\.timeout\)$/,
    );
    assertNoSecrets(ALL_KEYS);
  } finally {
    await w.close();
  }
});

test("a title whose task key was rejected, then answered by the provider's own key, says so once (the task key is dead, another key pays)", async () => {
  const w = await startChatWorld(SCENARIO, (url) => ({
    providers: { main: simProvider(url, GOOD) },
    main: { provider: 'main', model: 'sim-large' },
    auxiliary: { title_generation: { provider: 'main', model: 'sim-large', fallback_to_main: false, api_key: BAD } },
    retry: FAST_RETRY,
  }));
  try {
    const r = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello there\nsecond\n' });
    assert.equal(r.code, 0, r.stderr);
    const title = r.stderr.split('\n').filter((l) => l.startsWith('title:'));
    assert.equal(title.length, 1, r.stderr);
    assert.match(
      title[0]!,
      /^title: ".+" came from main\/sim-large; main rejected key sk-…5555 \(config auxiliary\.title_generation\.api_key\), and another key of main answered — `switchyard auth explain main`$/,
    );
    assertNoSecrets(ALL_KEYS);
  } finally {
    await w.close();
  }
});

test('/session and /title before the first message say plainly that nothing is saved yet, and where it will be', async () => {
  await using w = await world();
  const input = [
    '/session',
    '/title',
    '/title Mine',
    '/model backup/sim-large',
    '/session',
    'hello',
    '/session',
    '/quit',
    '',
  ].join('\n');
  const r = await runCliInProcess(['chat'], { env: w.cliEnv, input });
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse((await runCliInProcess(['sessions', 'list', '--json'], { env: w.cliEnv })).stdout) as {
    id: string;
  }[];
  assert.equal(list.length, 1);
  const id = list[0]?.id ?? '';
  const unsaved = `session ${id}: not saved yet — it is saved in ${join(w.home, 'state.db')} with your first message (then \`switchyard chat --session ${id}\` resumes it); leave before that and nothing is kept`;
  const window = 'tokens (context window unknown: no automatic compression)';
  assert.equal(
    r.stdout.replace(/≈ \d+ tokens/g, '≈ N tokens'),
    [
      unsaved,
      'title: none yet — your first message gives the session its title (or set one with /title TEXT)',
      'route: main/sim-large',
      `messages: 0, prompt ≈ N ${window}`,
      'title: none yet — your first message gives the session its title (or set one with /title TEXT)',
      'title set: Mine',
      'route: backup/sim-large for this session',
      unsaved,
      'title: Mine (yours; saved with your first message)',
      'route: backup/sim-large (set with /model; saved with your first message)',
      `messages: 0, prompt ≈ N ${window}`,
      '[sim-large] reply to: hello',
      // Saved now: the id as it is, and the title and route as stored.
      `session ${id}`,
      'title: Mine (user)',
      'route: backup/sim-large (set with /model)',
      `messages: 2, prompt ≈ N ${window}`,
      '',
    ].join('\n'),
  );
});

test("a route skipped because its key is cooling is noted with the key's real state — rate-limited until when — in the chat and in the summary", async () => {
  const LIMITED = 'sk-chat-limited-key-0000eeee';
  // A clock time in a message may carry its date (a time on another day does).
  const CLOCK = String.raw`(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d`;
  const scenario = { ...SCENARIO, keys: { ...SCENARIO.keys, [LIMITED]: { rate_limit_after: 1, reset: '10m' } } };
  const w = await startChatWorld(scenario, (url) => ({
    providers: { main: simProvider(url, LIMITED), backup: simProvider(url, BACKUP) },
    main: { provider: 'main', model: 'sim-large' },
    fallback: [{ provider: 'backup', model: 'sim-large' }],
    auxiliary: { title_generation: { provider: 'none' }, compression: { protect_first: 1, protect_last: 1 } },
    retry: FAST_RETRY,
  }));
  try {
    // The second message meets the 429 (the key cools for the server's 10 minutes); the third skips the route, and
    // so does the summary.
    const r = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'first\nsecond\nthird\n/compress\n' });
    assert.equal(r.code, 0, r.stderr);
    const setAside = `main key sk-…eeee \\(config\\) is set aside: rate-limited until ${CLOCK}`;
    assert.match(
      afterInEffect(r.stderr),
      new RegExp(`^note: ${setAside}; answering from backup/sim-large — \`switchyard auth explain main\`\\n$`),
    );
    const compressed = r.stdout.split('\n').filter((l) => l.startsWith('compressed:'));
    assert.equal(compressed.length, 1, r.stdout);
    assert.match(
      compressed[0]!,
      new RegExp(
        `^compressed: \\d+ earlier messages summarised by backup/sim-large \\(≈\\d+ → \\d+ prompt tokens\\); ${setAside} — \`switchyard auth explain main\`$`,
      ),
    );
    assert.doesNotMatch(r.stdout + r.stderr, /rejected or cooling/);
    assert.equal(w.sim.calls(LIMITED), 2, 'the cooling key is not sent again');
    assertNoSecrets([...ALL_KEYS, LIMITED]);
  } finally {
    await w.close();
  }
});

test("a title that timed out says how long it was given and which setting decided it — the task's timeout or the provider's", async () => {
  const w = await startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: simProvider(url, GOOD),
      slow: simProvider(url, SLOW),
      slower: { ...simProvider(url, SLOW), timeout: '300ms' },
    },
    main: { provider: 'main', model: 'sim-large' },
    auxiliary: {
      title_generation: { provider: 'slow', model: 'sim-large', timeout: '500ms', fallback_to_main: false },
    },
    retry: FAST_RETRY,
  }));
  try {
    // The title task's 500ms runs out before the provider's 10s: that is the setting to raise.
    const kept = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello\n' });
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(
      afterInEffect(kept.stderr),
      'title: kept "hello" — title_generation: slow/sim-large did not answer within 500ms (auxiliary.title_generation.timeout) — raise auxiliary.title_generation.timeout if the model is slow, ' +
        'or add a fallback route (no time left to retry within auxiliary.title_generation.timeout)\n',
    );
    // With the main chain behind it, the slow route has half of the task's time, and the main route answers: the note
    // says how long the first route had, and that it was its share of the task's timeout.
    const config = readFileSync(w.configPath, 'utf8');
    writeFileSync(w.configPath, config.replace('fallback_to_main: false', 'fallback_to_main: true'));
    const shared = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello again\n' });
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(
      afterInEffect(shared.stderr),
      /^title: "Sim title: hello again" came from main\/sim-large; slow\/sim-large failed first: no answer within \d+ms \(its share of auxiliary\.title_generation\.timeout, 500ms\)\n$/,
    );
    // The provider's 300ms runs out well within the task's 5s: the provider's setting is the one to raise.
    writeFileSync(
      w.configPath,
      config
        .replace('provider: slow\n', 'provider: slower\n')
        .replace('timeout: 500ms', 'timeout: 5s')
        .replace('fallback_to_main: false', 'fallback_to_main: true'),
    );
    const provider = await runCliInProcess(['chat'], { env: w.cliEnv, input: 'hello once more\n' });
    assert.equal(provider.code, 0, provider.stderr);
    assert.equal(
      afterInEffect(provider.stderr),
      'title: "Sim title: hello once more" came from main/sim-large; slower/sim-large failed first: no answer within 300ms (providers.slower.timeout)\n',
    );
  } finally {
    await w.close();
  }
});
