// Prompt-cache affinity in the library (docs/credentials.md#cache-affinity): conversations stay on their key under
// round_robin, a provider's own `affinity: none` turns it off, and the memory bound drops the least recently used.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness, loadedFrom, FAST_RETRY, type Harness } from './helpers.ts';
import { createSwitchyard } from '../../src/library/switchyard.ts';
import { openStore } from '../../src/state/open.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { waitFor } from '../state/wait.ts';
import type { ChatMessage } from '../../src/providers/types.ts';
import type { LadderEvent } from '../../src/calls/types.ts';
import { MIN_CACHED_CHARS } from '../../src/credentials/affinity.ts';

const KEYS = ['sk-sim-lib-affinity-1', 'sk-sim-lib-affinity-2', 'sk-sim-lib-affinity-3'];

function configFor(openai: string, credentials: Record<string, unknown>, provider: Record<string, unknown> = {}) {
  return {
    providers: { p: { type: 'openai', base_url: openai, api_keys: KEYS, ...provider } },
    main: { provider: 'p', model: 'sim-large' },
    credentials: { strategy: 'round_robin', ...credentials },
    retry: FAST_RETRY,
  };
}

function start(
  credentials: Record<string, unknown>,
  provider: Record<string, unknown> = {},
  store?: ReturnType<typeof openStore>,
): Promise<Harness> {
  return harness({
    scenario: { keys: Object.fromEntries(KEYS.map((k) => [k, {}])) },
    config: ({ openai }) => configFor(openai, credentials, provider),
    ...(store !== undefined ? { store } : {}),
  });
}

/** Sends the next turn of `history` and appends the answer; returns the key's fingerprint that answered. */
async function turn(h: Harness, history: ChatMessage[], text: string): Promise<string> {
  history.push({ role: 'user', content: text });
  const r = await h.router.chat({ messages: history });
  if (r.status !== 'ok') throw new Error('disabled');
  history.push({ role: 'assistant', content: r.response.content });
  return r.trail.at(-1)?.credential?.fingerprint ?? '';
}

/** An opening long enough for a provider's prompt cache: shorter prompts are left out of affinity. */
const opening = (who: string): ChatMessage => ({
  role: 'system',
  content: `${who}: ${'follow the house style. '.repeat(Math.ceil(MIN_CACHED_CHARS / 24))}`,
});

const affinityEvents = (events: LadderEvent[]): Extract<LadderEvent, { type: 'affinity' }>[] =>
  events.filter((e): e is Extract<LadderEvent, { type: 'affinity' }> => e.type === 'affinity');

describe('cache affinity in the library', () => {
  it('two interleaved conversations each keep their own key, and each later turn is told as kept', async () => {
    await using h = await start({});
    const a: ChatMessage[] = [opening('agent A')];
    const b: ChatMessage[] = [opening('agent B')];
    const keysA = new Set<string>();
    const keysB = new Set<string>();
    for (let i = 0; i < 4; i++) {
      keysA.add(await turn(h, a, `a${i}`));
      keysB.add(await turn(h, b, `b${i}`));
    }
    assert.equal(keysA.size, 1);
    assert.equal(keysB.size, 1);
    assert.notDeepEqual([...keysA], [...keysB], 'round robin gave the two conversations different keys');
    const events = affinityEvents(h.events);
    assert.equal(events.length, 6);
    assert.ok(events.every((e) => e.outcome === 'kept' && e.prefix_tokens > 0 && e.route === 'p/sim-large'));
  });

  it("a provider's own affinity: none leaves every pick to the strategy", async () => {
    await using h = await start({ affinity: 'prefix' }, { affinity: 'none' });
    const history: ChatMessage[] = [opening('agent')];
    const keys = new Set<string>();
    for (let i = 0; i < 3; i++) keys.add(await turn(h, history, `t${i}`));
    assert.equal(keys.size, 3);
    assert.deepEqual(affinityEvents(h.events), []);
  });

  it('memory holds affinity_entries prefixes: past it the least recently used conversation is forgotten', async () => {
    await using h = await start({ affinity_entries: 1 });
    const a: ChatMessage[] = [opening('agent A')];
    const b: ChatMessage[] = [opening('agent B')];
    for (let i = 0; i < 3; i++) {
      await turn(h, a, `a${i}`);
      await turn(h, b, `b${i}`);
    }
    assert.deepEqual(affinityEvents(h.events), [], "each turn found only the other conversation's prefix");
  });

  it('a prompt too short for any prompt cache is neither remembered nor looked up: the strategy picks', async () => {
    await using h = await start({});
    const history: ChatMessage[] = [{ role: 'system', content: 'agent' }];
    const keys = new Set<string>();
    for (let i = 0; i < 3; i++) keys.add(await turn(h, history, `t${i}`));
    assert.equal(keys.size, 3, 'round robin moved every turn');
    assert.deepEqual(affinityEvents(h.events), []);
    assert.deepEqual(h.router.store.listAffinity(Date.now()), []);
  });

  it('two processes on one state file: a turn answered by one goes, in the other, to the same key', async () => {
    using ws = tempWorkspace('switchyard-affinity-');
    await using a = await start({}, {}, openStore({ home: ws.home, pollIntervalMs: 20, flushIntervalMs: 10 }));
    // The second process: its own store handle on the file, its own router (and its own round-robin position).
    await using storeB = openStore({ home: ws.home, pollIntervalMs: 20, flushIntervalMs: 10 });
    await using b = createSwitchyard({ config: loadedFrom(configFor(a.openai, {})), store: storeB });
    await b.chat({ messages: [opening('another conversation, moving b past the first key')] });
    const history: ChatMessage[] = [opening('agent')];
    const first = await turn(a, history, 'hello');
    await a.store.flush();
    // b holds its own conversation's record; a's is the second.
    await waitFor(() => storeB.listAffinity(Date.now()).length === 2, "b to read a's record");
    history.push({ role: 'user', content: 'and then?' });
    const r = await b.chat({ messages: history });
    assert.equal(r.status, 'ok');
    assert.equal(r.status === 'ok' ? r.trail.at(-1)?.credential?.fingerprint : '', first);
  });
});
