// Compression against the real simulator and router (docs/chat.md): the automatic trigger at threshold × the main
// route's context window, the protected head and tail, the summary replacing the middle in the store, the
// prompt-only omission when the summary fails or the task is disabled (the store keeps everything), the running
// total of summarised messages, and skipping routes too small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.ts';
import { compressionLine, compressSession } from '../../src/sessions/compressor.ts';
import { Conversation } from '../../src/sessions/conversation.ts';
import { ChatSession } from '../../src/sessions/session.ts';
import { BACKUP, BAD, FAST_RETRY, GOOD, SCENARIO, simProvider, startChatWorld, type ChatWorld } from './harness.ts';

const PROTECT = { threshold: 0.5, protect_first: 2, protect_last: 2 };

function world(
  compression: Record<string, unknown>,
  mainWindow?: number,
  backupModels: Record<string, { context_window?: number }> = {},
): Promise<ChatWorld> {
  return startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: simProvider(url, GOOD, mainWindow === undefined ? {} : { 'sim-large': { context_window: mainWindow } }),
      backup: simProvider(url, BACKUP, backupModels),
      bad: simProvider(url, BAD),
    },
    main: { provider: 'main', model: 'sim-large' },
    auxiliary: { title_generation: { provider: 'none' }, compression: { ...PROTECT, ...compression } },
    retry: FAST_RETRY,
  }));
}

function seeded(w: ChatWorld, exchanges: number): ChatSession {
  const s = ChatSession.fresh(w.store);
  for (let i = 1; i <= exchanges; i++) {
    s.appendUser(`question ${i}: ${'lorem ipsum dolor sit amet '.repeat(4)}`);
    s.appendAssistant(`answer ${i}: ${'consectetur adipiscing elit '.repeat(4)}`);
  }
  return s;
}

test('automatic: at threshold × context window the middle is summarised by the compression task', async () => {
  // 8 stored messages ≈ 230 tokens; window 400 × 0.5 = 200 → the next turn compresses first.
  await using w = await world({ provider: 'backup', model: 'sim-large', fallback_to_main: false }, 400);
  const session = seeded(w, 4);
  const notices: string[] = [];
  const conv = new Conversation({
    session,
    backend: w.router,
    config: w.loaded.config,
    notify: (l) => notices.push(l),
  });
  await conv.send('one more question');
  assert.equal(w.sim.calls(BACKUP), 1, 'one summary call');
  assert.equal(w.sim.calls(GOOD), 1, 'then the chat turn');
  const stored = ChatSession.resume(w.store, session.id).messages;
  // head 2 + summary + tail 2 (the last answer and the new question) + the new answer
  assert.deepEqual(
    stored.map((m) => m.kind ?? m.role),
    ['user', 'assistant', 'summary', 'assistant', 'user', 'assistant'],
  );
  assert.match(stored[2]?.content ?? '', /^\[summary of 5 earlier messages\]\n/);
  assert.equal(notices.length, 1);
  assert.match(notices[0] ?? '', /^compressed: 5 earlier messages summarised by backup\/sim-large/);
});

test('no context window known: no automatic compression, /compress still works', async () => {
  await using w = await world({ provider: 'auto' });
  const session = seeded(w, 30);
  const conv = new Conversation({ session, backend: w.router, config: w.loaded.config, notify: () => {} });
  await conv.send('hello');
  assert.equal(w.sim.calls(), 1, 'only the chat turn');
  const outcome = await conv.compress();
  assert.equal(outcome.status, 'summarised');
  assert.equal(w.sim.calls(GOOD), 2);
});

test('automatic, summary failed: the store keeps every message; only the prompt leaves the middle out, and says so', async () => {
  await using w = await world({ provider: 'bad', model: 'sim-large', fallback_to_main: false });
  const session = seeded(w, 5);
  const outcome = await compressSession(session, w.router, w.loaded.config.auxiliary.compression, {
    mustShrink: true,
  });
  assert.equal(outcome.status, 'omitted');
  assert.equal(w.sim.calls(BAD), 1);
  assert.match(
    compressionLine(outcome),
    /^compression: summary failed, 6 earlier messages left out of the prompt but kept in the session/,
  );
  assert.equal(ChatSession.resume(w.store, session.id).messages.length, 10, 'nothing was deleted');
  const prompt = session.prompt();
  assert.equal(prompt.length, 5);
  assert.match(
    prompt[2]?.content ?? '',
    /^\[compressed: 6 earlier messages left out of this prompt — summary failed: .*never been accepted.*\]$/,
  );
  assert.ok(outcome.status === 'omitted' && outcome.after < outcome.before);

  // A later compression that works summarises what was left out: nothing was lost.
  writeFileSync(w.configPath, readFileSync(w.configPath, 'utf8').replace('provider: bad', 'provider: backup'));
  w.router.reload(loadConfig({ configPath: w.configPath, env: {}, cwd: w.dir }));
  const later = await compressSession(session, w.router, w.loaded.config.auxiliary.compression, { mustShrink: true });
  assert.equal(later.status, 'summarised');
  const stored = ChatSession.resume(w.store, session.id).messages;
  assert.deepEqual(
    stored.map((m) => m.kind ?? m.role),
    ['user', 'assistant', 'summary', 'user', 'assistant'],
  );
  assert.match(stored[2]?.content ?? '', /^\[summary of 6 earlier messages\]/);
  assert.doesNotMatch(
    session
      .prompt()
      .map((m) => m.content)
      .join('\n'),
    /left out/,
  );
});

test('/compress whose summary fails keeps the history and the prompt as they were', async () => {
  await using w = await world({ provider: 'bad', model: 'sim-large', fallback_to_main: false });
  const session = seeded(w, 5);
  const conv = new Conversation({ session, backend: w.router, config: w.loaded.config, notify: () => {} });
  const outcome = await conv.compress();
  assert.equal(outcome.status, 'kept');
  assert.match(
    compressionLine(outcome),
    /^compression: summary failed, the history is kept as it was \(6 earlier messages not summarised\) — /,
  );
  assert.equal(session.prompt().length, 10);
  assert.equal(ChatSession.resume(w.store, session.id).messages.length, 10);
});

test('a disabled compression task leaves the middle out of the prompt without calling anyone', async () => {
  await using w = await world({ provider: 'none' });
  const session = seeded(w, 5);
  const outcome = await compressSession(session, w.router, w.loaded.config.auxiliary.compression, {
    mustShrink: true,
  });
  assert.equal(outcome.status, 'omitted');
  assert.match(outcome.status === 'omitted' ? outcome.explanation : '', /disabled/);
  assert.equal(w.sim.calls(), 0);
  assert.equal(ChatSession.resume(w.store, session.id).messages.length, 10);
});

test('a second compression counts the messages the first summary stood for (running total)', async () => {
  await using w = await world({ provider: 'backup', model: 'sim-large', fallback_to_main: false });
  const session = seeded(w, 5);
  const first = await compressSession(session, w.router, w.loaded.config.auxiliary.compression);
  assert.equal(first.status === 'summarised' ? first.count : 0, 6);
  for (let i = 6; i <= 8; i++) {
    session.appendUser(`question ${i}`);
    session.appendAssistant(`answer ${i}`);
  }
  // head 2 + [summary of 6] + 4 new middle messages + the last 2 (tail)
  const second = await compressSession(session, w.router, w.loaded.config.auxiliary.compression);
  assert.equal(second.status === 'summarised' ? second.count : 0, 12);
  assert.match(
    ChatSession.resume(w.store, session.id).messages[2]?.content ?? '',
    /^\[summary of 12 earlier messages\]/,
  );
});

test('seed 003: an explicit provider failing with 401 falls back to the main chain', async () => {
  await using w = await world({ provider: 'bad', model: 'sim-large', fallback_to_main: true });
  const outcome = await compressSession(seeded(w, 5), w.router, w.loaded.config.auxiliary.compression);
  assert.equal(outcome.status, 'summarised');
  assert.equal(outcome.status === 'summarised' ? outcome.route : '', 'main/sim-large');
  assert.equal(w.sim.calls(BAD), 1);
  assert.equal(w.sim.calls(GOOD), 1);
});

test('routes whose context window cannot hold the input are skipped (estimated_tokens)', async () => {
  await using w = await world(
    {
      provider: 'backup',
      model: 'sim-small',
      fallback_chain: [{ provider: 'main', model: 'sim-large' }],
      fallback_to_main: false,
    },
    undefined,
    { 'sim-small': { context_window: 50 } },
  );
  const outcome = await compressSession(seeded(w, 5), w.router, w.loaded.config.auxiliary.compression);
  assert.equal(outcome.status, 'summarised');
  assert.equal(w.sim.calls(BACKUP), 0, 'the 50-token route was never sent the ~200-token input');
  assert.equal(w.sim.calls(GOOD), 1);
});

test('a middle too long for every route of the task is summarised a part at a time, oldest first (it failed for good before)', async () => {
  // Each pass fits the task's 320-token window by halving the part it sends; a later pass summarises the earlier
  // summary with the messages after it. Before, the whole middle was sent every time, skipped as too long for ever.
  await using w = await world({ provider: 'backup', model: 'sim-small', fallback_to_main: false }, undefined, {
    'sim-small': { context_window: 320 },
  });
  const session = seeded(w, 10);
  const outcome = await compressSession(session, w.router, w.loaded.config.auxiliary.compression, {
    mustShrink: true,
  });
  assert.equal(outcome.status, 'summarised', compressionLine(outcome));
  assert.ok(w.sim.calls(BACKUP) >= 2, 'more than one summary call');
  const stored = ChatSession.resume(w.store, session.id).messages;
  assert.equal(stored.filter((m) => m.kind === 'summary').length, 1, 'one summary, at the start of the middle');
  assert.equal(stored[2]?.kind, 'summary');
  const covered = Number(/^\[summary of (\d+) earlier messages\]/.exec(stored[2]?.content ?? '')?.[1]);
  assert.equal(outcome.status === 'summarised' ? outcome.count : 0, covered);
  assert.ok(covered >= 4, `the summary covers the oldest part at least (${covered})`);
  assert.ok(outcome.status === 'summarised' && outcome.after < outcome.before);
  // Every message is either summarised or still in the session: 20 = head 2 + covered + the rest.
  assert.equal(2 + covered + (stored.length - 3), 20);
});

test('after a failed summary left the middle out, a later compression on a small window still summarises it', async () => {
  await using w = await world({ provider: 'bad', model: 'sim-large', fallback_to_main: false }, undefined, {
    'sim-small': { context_window: 320 },
  });
  const session = seeded(w, 10);
  const failed = await compressSession(session, w.router, w.loaded.config.auxiliary.compression, {
    mustShrink: true,
  });
  assert.equal(failed.status, 'omitted');
  writeFileSync(
    w.configPath,
    readFileSync(w.configPath, 'utf8')
      .replace('provider: bad', 'provider: backup')
      .replace('model: sim-large\n    fallback_to_main', 'model: sim-small\n    fallback_to_main'),
  );
  const reloaded = loadConfig({ configPath: w.configPath, env: {}, cwd: w.dir });
  assert.equal(reloaded.config.auxiliary.compression.model, 'sim-small', readFileSync(w.configPath, 'utf8'));
  w.router.reload(reloaded);
  const later = await compressSession(session, w.router, reloaded.config.auxiliary.compression, { mustShrink: true });
  assert.equal(later.status, 'summarised', compressionLine(later));
  assert.doesNotMatch(
    session
      .prompt()
      .map((m) => m.content)
      .join('\n'),
    /left out/,
  );
});
