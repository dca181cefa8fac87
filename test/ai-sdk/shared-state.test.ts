// An app's AI SDK calls and the CLI share one config, one state store and one usage ledger: what the app's calls
// learnt about a key, `switchyard auth explain` says; what they used, `switchyard usage` counts under each task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.ts';
import { AI6, AI7 } from './sdks.ts';
import { BACKUP_KEY, callsBy, PRIMARY_KEY, world } from './world.ts';

test('an app call that cools a key shows in auth explain, from the same state store', async () => {
  await using w = await world({
    keys: { [PRIMARY_KEY]: { rate_limit_after: 0, reset: '10m' }, [BACKUP_KEY]: {} },
  });
  const p = w.provider('v4');
  const r = await AI7.generateText(p, 'main', 'hello');
  assert.equal(r.text, '[sim-small] reply to: hello');
  assert.deepEqual(callsBy(w.sim), { primary: 1, backup: 1 });
  await p.close();
  const explained = await runCliInProcess(['auth', 'explain', 'primary', '--config', w.configPath], { env: w.env });
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /^ {2}1 {2}\w+ {2}sk-…0001 {2}config key {2}cooling: rate_limited /m);
  assert.match(explained.stdout, /^ {2}main: primary\/sim-large \(main\) → backup\/sim-small \(fallback\[0\]\)$/m);
});

test('app calls, whole and streamed, are counted by switchyard usage under their tasks', async () => {
  await using w = await world();
  const p = w.provider('v3');
  await AI6.generateText(p, 'main', 'hello');
  const streamed = await AI6.streamText(p, 'title_generation', 'a title for: the ledger');
  assert.equal(streamed.text, 'Sim title: the ledger');
  await p.close();
  const usage = await runCliInProcess(['usage', '--by', 'task', '--json', '--config', w.configPath], { env: w.env });
  assert.equal(usage.code, 0, usage.stderr);
  const { groups } = JSON.parse(usage.stdout) as {
    groups: { group: string; requests: number; output_tokens: number }[];
  };
  assert.deepEqual(groups.map((g) => [g.group, g.requests]).sort(), [
    ['main', 1],
    ['title_generation', 1],
  ]);
  assert.ok(groups.every((g) => g.output_tokens > 0));
});
