// ChatSession over a real (in-memory SQLite) store: lazy creation, titles, routes, prompt-token accounting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatSession } from '../../src/sessions/session.ts';
import { openStore } from '../../src/state/open.ts';

test('a session reaches the store with its first message, titled from it', async () => {
  await using store = openStore({ kind: 'memory' });
  const s = ChatSession.fresh(store);
  assert.equal(s.exists, false);
  assert.equal(store.listSessions().length, 0, 'an empty chat leaves no trace');
  s.appendUser('Tell me about   key rotation strategies, please!');
  assert.equal(store.getSession(s.id)?.title, 'Tell me about key rotation strategies, please');
  assert.equal(s.titleSource, 'derived');
});

test('a route set before the first message does not steal the derived title', async () => {
  await using store = openStore({ kind: 'memory' });
  const s = ChatSession.fresh(store);
  s.setRoute({ provider: 'deepseek', model: 'deepseek/chat-v3' });
  assert.equal(s.exists, false, 'choosing a route alone stores nothing (`chat --model` then quit)');
  assert.equal(store.listSessions().length, 0);
  assert.deepEqual(s.route, { provider: 'deepseek', model: 'deepseek/chat-v3' });
  s.appendUser('first words here');
  const again = ChatSession.resume(store, s.id);
  assert.equal(again.title, 'first words here');
  assert.deepEqual(again.route, { provider: 'deepseek', model: 'deepseek/chat-v3' });
});

test('a title set before the first message is held like a route: nothing stored until a message', async () => {
  await using store = openStore({ kind: 'memory' });
  const s = ChatSession.fresh(store);
  s.setUserTitle('Pre Title');
  assert.equal(s.exists, false, '`/title` then quit leaves nothing behind');
  assert.equal(store.listSessions().length, 0);
  assert.equal(s.title, 'Pre Title');
  assert.equal(s.titleSource, 'user');
  s.appendUser('the first message');
  const again = ChatSession.resume(store, s.id);
  assert.equal(again.title, 'Pre Title');
  assert.equal(again.titleSource, 'user');
});

test('a generated title never overwrites a user title', async () => {
  await using store = openStore({ kind: 'memory' });
  const s = ChatSession.fresh(store);
  s.appendUser('hello');
  s.setUserTitle('Mine');
  assert.equal(s.offerGeneratedTitle('Generated'), false);
  assert.equal(ChatSession.resume(store, s.id).title, 'Mine');
});

test('prompt tokens: the provider count plus estimates after it; an estimate again after compression', async () => {
  await using store = openStore({ kind: 'memory' });
  let now = 1_000;
  const s = ChatSession.fresh(store, () => now++);
  s.appendUser('hello');
  s.appendAssistant('hi there', 5_000);
  const reported = s.promptTokens();
  assert.ok(reported > 5_000 && reported < 5_020, String(reported));
  s.appendUser('more');
  assert.ok(s.promptTokens() > reported);
  s.appendAssistant('ok', 6_000);
  s.appendUser('a');
  s.appendAssistant('b', 7_000);
  s.replaceRange(2, 3, '[summary of 2 earlier messages]\n…', 'summary');
  assert.ok(s.promptTokens() < 100, 'counts taken before the compression no longer apply');
  assert.deepEqual(
    s.messages.map((m) => m.seq),
    [1, 2, 4, 5, 6],
  );
  s.appendUser('next');
  assert.equal(s.messages.at(-1)?.seq, 7);
});

test('resume by unique prefix; unknown and ambiguous ids are user errors', async () => {
  await using store = openStore({ kind: 'memory' });
  const s = ChatSession.fresh(store);
  s.appendUser('x');
  assert.equal(ChatSession.resume(store, s.id.slice(0, 3)).id, s.id);
  assert.equal(ChatSession.resume(store, s.id.slice(0, 4).toUpperCase()).id, s.id, 'an id copied in capitals');
  assert.throws(() => ChatSession.resume(store, 'zzzzzzzzz'), {
    name: 'UserError',
    message: /no session "zzzzzzzzz"/,
  });
});
