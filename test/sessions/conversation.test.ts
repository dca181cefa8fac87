// Chat sessions against the real simulator and router: durable messages, titles (every path of docs/chat.md) and
// compression, asserting on what reached the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conversation } from '../../src/sessions/conversation.ts';
import { ChatSession } from '../../src/sessions/session.ts';
import {
  BACKUP,
  BAD,
  FAST_RETRY,
  GOOD,
  SCENARIO,
  SLOW,
  simProvider,
  startChatWorld,
  type ChatWorld,
} from './harness.ts';
import { until } from '../helpers/until.ts';

type Aux = Record<string, unknown>;

function world(aux: Aux = {}, mainKey = GOOD, extra: Record<string, unknown> = {}): Promise<ChatWorld> {
  return startChatWorld(SCENARIO, (url) => ({
    providers: {
      main: simProvider(url, mainKey, { 'sim-large': { context_window: 128_000 } }),
      backup: simProvider(url, BACKUP),
      bad: simProvider(url, BAD),
      slow: simProvider(url, SLOW),
    },
    main: { provider: 'main', model: 'sim-large' },
    fallback: [{ provider: 'backup', model: 'sim-large' }],
    auxiliary: aux,
    retry: FAST_RETRY,
    ...extra,
  }));
}

function conversation(w: ChatWorld, session = ChatSession.fresh(w.store)): { conv: Conversation; notices: string[] } {
  const notices: string[] = [];
  return {
    conv: new Conversation({ session, backend: w.router, config: w.loaded.config, notify: (l) => notices.push(l) }),
    notices,
  };
}

test('a chat turn streams the answer and stores both messages; the session resumes with them', async () => {
  await using w = await world();
  const { conv } = conversation(w);
  const pieces: string[] = [];
  const turn = await conv.send('What is a credential fingerprint?', { onText: (t) => pieces.push(t) });
  assert.equal(turn.answer, '[sim-large] reply to: What is a credential fingerprint?');
  assert.equal(pieces.join(''), turn.answer);
  assert.equal(turn.route, 'main/sim-large');
  await conv.titleSettled();
  const again = ChatSession.resume(w.store, conv.session.id.slice(0, 4));
  assert.deepEqual(
    again.messages.map((m) => [m.role, m.content]),
    [
      ['user', 'What is a credential fingerprint?'],
      ['assistant', turn.answer],
    ],
  );
  assert.ok((again.messages[1]?.prompt_tokens ?? 0) > 0, 'the provider-reported prompt tokens are kept');
});

test('title: derived at once, upgraded by one title_generation call after the first exchange only', async () => {
  await using w = await world();
  const { conv, notices } = conversation(w);
  await conv.send('How do I rotate an expired API key without downtime?');
  assert.equal(conv.session.title, 'How do I rotate an expired API');
  const outcome = await conv.titleSettled();
  assert.equal(outcome?.status, 'generated');
  assert.equal(conv.session.title, 'Sim title: How do I rotate an');
  assert.equal(conv.session.titleSource, 'generated');
  await conv.send('And the second question?');
  await conv.titleSettled();
  // 2 chat turns + 1 title call, all on the main key.
  assert.equal(w.sim.calls(GOOD), 3);
  assert.deepEqual(notices, []);
});

test('title (seed 000): the main key is invalid, the title still arrives through the fallback', async () => {
  await using w = await world({}, BAD);
  const { conv, notices } = conversation(w);
  const turn = await conv.send('Why does title generation fail?');
  assert.equal(turn.route, 'backup/sim-large');
  const outcome = await conv.titleSettled();
  assert.equal(outcome?.status, 'generated');
  assert.equal(conv.session.titleSource, 'generated');
  assert.equal(w.sim.calls(BAD), 1, 'a never-valid key is called once, then skipped');
  assert.equal(w.sim.calls(BACKUP), 2);
  assert.deepEqual(notices, []);
});

test('title: a failed upgrade keeps the derived title and says so in one line, once per session', async () => {
  await using w = await world({ title_generation: { provider: 'bad', model: 'sim-large', fallback_to_main: false } });
  const { conv, notices } = conversation(w);
  await conv.send('Explain quotas and cooldowns please.');
  const outcome = await conv.titleSettled();
  assert.equal(outcome?.status, 'failed');
  await conv.send('And rate limits?');
  await conv.titleSettled();
  assert.equal(conv.session.title, 'Explain quotas and cooldowns please');
  assert.equal(conv.session.titleSource, 'derived');
  assert.equal(notices.length, 1);
  assert.match(
    notices[0] ?? '',
    /^title: kept "Explain quotas and cooldowns please" — .*rejected key .*never been accepted/,
  );
  assert.doesNotMatch(notices[0] ?? '', /\n|at .*\.ts:\d+/);
  assert.equal(w.sim.calls(BAD), 1);
  assert.equal(w.sim.calls(GOOD), 2, 'the chat itself went on');
});

test('title: provider none and enabled false turn the upgrade off silently', async () => {
  for (const setting of [{ provider: 'none' }, { enabled: false }]) {
    await using w = await world({ title_generation: setting });
    const { conv, notices } = conversation(w);
    await conv.send('Hello there, general question');
    const outcome = await conv.titleSettled();
    assert.equal(outcome?.status, 'disabled');
    assert.equal(conv.session.title, 'Hello there, general question');
    assert.deepEqual(notices, []);
    assert.equal(w.sim.calls(), 1, 'only the chat turn reached the provider');
  }
});

test('title: a title the user sets wins over a generated title arriving late', async () => {
  await using w = await world({ title_generation: { provider: 'slow', model: 'sim-large', fallback_to_main: false } });
  const { conv } = conversation(w);
  await conv.send('A question whose title is slow');
  conv.setUserTitle('Mine');
  const outcome = await conv.titleSettled();
  assert.equal(outcome?.status, 'user_title');
  assert.equal(w.sim.calls(SLOW), 1, 'the title call was made');
  assert.equal(ChatSession.resume(w.store, conv.session.id).title, 'Mine');
  assert.equal(conv.session.titleSource, 'user');
});

test('a failed answer keeps the user message, is explained in one line, and the session goes on', async () => {
  await using w = await world({}, BAD, { fallback: [] });
  const { conv } = conversation(w);
  await assert.rejects(conv.send('first try'), (err: Error & { explanation?: string }) =>
    /never been accepted/.test(err.explanation ?? ''),
  );
  assert.deepEqual(
    conv.session.messages.map((m) => m.content),
    ['first try'],
  );
  conv.session.setRoute({ provider: 'backup', model: 'sim-large' });
  const turn = await conv.send('second try');
  assert.equal(turn.route, 'backup/sim-large');
  assert.equal(conv.session.messages.length, 3);
});

test('a cancelled answer (AbortSignal) leaves the session usable', async () => {
  await using w = await world({ title_generation: { provider: 'none' } });
  // The slow key never answers this time: the abort ends the turn, not a race with a late answer.
  w.sim.setScenario({ ...SCENARIO, keys: { ...SCENARIO.keys, [SLOW]: { script: ['timeout'] } } });
  const { conv } = conversation(w);
  conv.session.setRoute({ provider: 'slow', model: 'sim-large' });
  const controller = new AbortController();
  const pending = conv.send('slow one', { signal: controller.signal });
  await until('the answer to be in flight', () => w.sim.calls(SLOW) === 1);
  controller.abort();
  await assert.rejects(pending);
  conv.session.setRoute(undefined);
  const turn = await conv.send('fast one');
  assert.equal(turn.answer, '[sim-large] reply to: fast one');
  assert.deepEqual(
    conv.session.messages.map((m) => m.content),
    ['slow one', 'fast one', turn.answer],
  );
});

test('a session on another route: auto title and compression try that route first (the main key is dead, no fallback)', async () => {
  await using w = await world({ compression: { protect_first: 1, protect_last: 1 } }, BAD, { fallback: [] });
  const { conv, notices } = conversation(w);
  conv.session.setRoute({ provider: 'backup', model: 'sim-large' });
  for (let i = 1; i <= 3; i++) await conv.send(`question ${i} on the session's own route`);
  const title = await conv.titleSettled();
  assert.equal(title?.status, 'generated');
  assert.equal(title?.status === 'generated' ? title.route : '', 'backup/sim-large');
  const compressed = await conv.compress();
  assert.equal(compressed.status, 'summarised');
  assert.equal(compressed.status === 'summarised' ? compressed.route : '', 'backup/sim-large');
  assert.equal(w.sim.calls(BAD), 0, 'the dead main key was never needed');
  assert.deepEqual(notices, []);
});

test('attempts count requests sent; a route set aside for its key is noted once per session', async () => {
  await using w = await world({ title_generation: { provider: 'none' } }, BAD);
  const { conv } = conversation(w);
  const first = await conv.send('first');
  assert.equal(first.route, 'backup/sim-large');
  assert.equal(first.attempts, 2);
  assert.equal(
    first.note,
    'note: main rejected key sk-…5555 (config); answering from backup/sim-large — `switchyard auth explain main`',
  );
  const second = await conv.send('second');
  // The rejected key is skipped without a call: not an attempt, and not said again.
  assert.equal(second.attempts, 1);
  assert.equal(second.trail.length, 2);
  assert.equal(second.note, undefined);
  assert.equal(w.sim.calls(BAD), 1);
});
