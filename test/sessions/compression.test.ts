// Compression against the real simulator and router (SPEC §5): the automatic trigger at threshold × the main
// route's context window, the protected head and tail, the summary replacing the middle in the store, the
// deterministic truncation when the summary fails or the task is disabled, and skipping routes too small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSession } from '../../src/sessions/compressor.ts';
import { Conversation } from '../../src/sessions/conversation.ts';
import { ChatSession } from '../../src/sessions/session.ts';
import { BACKUP, BAD, FAST_RETRY, GOOD, SCENARIO, simProvider, startChatWorld, type ChatWorld } from './harness.ts';

const PROTECT = { threshold: 0.5, protect_first: 2, protect_last: 2 };

function world(compression: Record<string, unknown>, mainWindow?: number, backupModels: Record<string, { context_window?: number }> = {}): Promise<ChatWorld> {
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
  const w = await world({ provider: 'backup', model: 'sim-large', fallback_to_main: false }, 400);
  try {
    const session = seeded(w, 4);
    const notices: string[] = [];
    const conv = new Conversation({ session, backend: w.router, config: w.loaded.config, notify: (l) => notices.push(l) });
    await conv.send('one more question');
    assert.equal(w.sim.calls(BACKUP), 1, 'one summary call');
    assert.equal(w.sim.calls(GOOD), 1, 'then the chat turn');
    const stored = ChatSession.resume(w.store, session.id).messages;
    // head 2 + summary + tail 2 (the last answer and the new question) + the new answer
    assert.deepEqual(stored.map((m) => m.kind ?? m.role), ['user', 'assistant', 'summary', 'assistant', 'user', 'assistant']);
    assert.match(stored[2]?.content ?? '', /^\[summary of 5 earlier messages\]\n/);
    assert.equal(notices.length, 1);
    assert.match(notices[0] ?? '', /^compressed: 5 earlier messages summarised by backup\/sim-large/);
  } finally {
    await w.close();
  }
});

test('no context window known: no automatic compression, /compress still works', async () => {
  const w = await world({ provider: 'auto' });
  try {
    const session = seeded(w, 30);
    const conv = new Conversation({ session, backend: w.router, config: w.loaded.config, notify: () => {} });
    await conv.send('hello');
    assert.equal(w.sim.calls(), 1, 'only the chat turn');
    const outcome = await conv.compress();
    assert.equal(outcome.status, 'summarised');
    assert.equal(w.sim.calls(GOOD), 2);
  } finally {
    await w.close();
  }
});

test('a failed summary becomes a marked deterministic truncation, and says why', async () => {
  const w = await world({ provider: 'bad', model: 'sim-large', fallback_to_main: false });
  try {
    const session = seeded(w, 5);
    const outcome = await compressSession(session, w.router, w.loaded.config.auxiliary.compression);
    assert.equal(outcome.status, 'truncated');
    assert.equal(w.sim.calls(BAD), 1);
    const stored = ChatSession.resume(w.store, session.id).messages;
    assert.equal(stored.length, 5);
    assert.equal(stored[2]?.kind, 'truncation');
    assert.match(stored[2]?.content ?? '', /^\[compressed: 6 earlier messages dropped — summary failed: .*never been accepted.*\]$/);
  } finally {
    await w.close();
  }
});

test('a disabled compression task truncates without calling anyone', async () => {
  const w = await world({ provider: 'none' });
  try {
    const session = seeded(w, 5);
    const outcome = await compressSession(session, w.router, w.loaded.config.auxiliary.compression);
    assert.equal(outcome.status, 'truncated');
    assert.match(outcome.status === 'truncated' ? outcome.explanation : '', /disabled/);
    assert.equal(w.sim.calls(), 0);
  } finally {
    await w.close();
  }
});

test('seed 003: an explicit provider failing with 401 falls back to the main chain', async () => {
  const w = await world({ provider: 'bad', model: 'sim-large', fallback_to_main: true });
  try {
    const outcome = await compressSession(seeded(w, 5), w.router, w.loaded.config.auxiliary.compression);
    assert.equal(outcome.status, 'summarised');
    assert.equal(outcome.status === 'summarised' ? outcome.route : '', 'main/sim-large');
    assert.equal(w.sim.calls(BAD), 1);
    assert.equal(w.sim.calls(GOOD), 1);
  } finally {
    await w.close();
  }
});

test('routes whose context window cannot hold the input are skipped (estimated_tokens)', async () => {
  const w = await world(
    { provider: 'backup', model: 'sim-small', fallback_chain: [{ provider: 'main', model: 'sim-large' }], fallback_to_main: false },
    undefined,
    { 'sim-small': { context_window: 50 } },
  );
  try {
    const outcome = await compressSession(seeded(w, 5), w.router, w.loaded.config.auxiliary.compression);
    assert.equal(outcome.status, 'summarised');
    assert.equal(w.sim.calls(BACKUP), 0, 'the 50-token route was never sent the ~200-token input');
    assert.equal(w.sim.calls(GOOD), 1);
  } finally {
    await w.close();
  }
});
