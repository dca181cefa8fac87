// Buffered answers made in one turn of the event loop are released together at its end (gateway/answer/turn-end.ts):
// after the turn's promise reactions, in its check phase, before anything scheduled after them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAnswers, endOfTurn } from '../../src/gateway/answer/turn-end.ts';

const TURN_END = fileURLToPath(new URL('../../src/gateway/answer/turn-end.ts', import.meta.url));

test('answers made in one turn are released together, after its promise reactions and before later immediates', async () => {
  const order: string[] = [];
  const first = endOfTurn().then(() => order.push('first answer'));
  queueMicrotask(() => order.push('a promise reaction of the turn'));
  const second = endOfTurn().then(() => order.push('second answer'));
  setImmediate(() => order.push('an immediate scheduled after them'));
  await Promise.all([first, second]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [
    'a promise reaction of the turn',
    'first answer',
    'second answer',
    'an immediate scheduled after them',
  ]);
});

test('an answer made in a later turn waits for that turn, not the one before', async () => {
  await endOfTurn();
  let released = false;
  const later = endOfTurn().then(() => (released = true));
  await Promise.resolve();
  assert.equal(released, false, 'released within the turn it was made in');
  await later;
  assert.equal(released, true);
});

test("an answer's record is read right after the turn's answers went out, before later immediates", async () => {
  const order: string[] = [];
  // Queued before any answer of the turn (an earlier request's record): read first, as it always was.
  afterAnswers(() => order.push('a record queued before the answers'));
  const answer = endOfTurn().then(() => {
    order.push('answer written');
    // What an answer's end queues (its record) joins the turn's sweep, not the next turn.
    afterAnswers(() => order.push("the answer's record"));
  });
  setImmediate(() => order.push('an immediate scheduled after them'));
  await answer;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [
    'a record queued before the answers',
    'answer written',
    "the answer's record",
    'an immediate scheduled after them',
  ]);
});

test("a task that throws does not keep the turn's other records from being read, and is still thrown", () => {
  // In a process of its own: the throw is uncaught there, as from any setImmediate.
  const script = [
    `import { afterAnswers } from ${JSON.stringify(TURN_END)};`,
    "afterAnswers(() => { throw new Error('a reader bug'); });",
    "afterAnswers(() => console.log('the next record was read'));",
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.stdout.trim(), 'the next record was read');
  assert.match(run.stderr, /a reader bug/);
  assert.notEqual(run.status, 0);
});
