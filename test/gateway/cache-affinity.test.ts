// Prompt-cache affinity through the gateway (docs/credentials.md#cache-affinity): a 20-turn agent conversation over a
// 3-key round_robin pool whose keys are three accounts of the simulator, each with its own prompt cache, with
// affinity and without; and a cooled key, a key failing mid-call, and a fallback each breaking it where the trail says.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';

const KEYS = ['sk-sim-affinity-acct-a1', 'sk-sim-affinity-acct-b2', 'sk-sim-affinity-acct-c3'];
/** An agent's standing instructions: the part of every turn a warm cache saves. */
const SYSTEM = `You are a coding agent. ${'Follow the repository conventions and explain each change. '.repeat(40)}`;

interface Turn {
  /** Prompt tokens, of them read from the cache. */
  input: number;
  cached: number;
  credential: string;
}

function client(h: Harness): OpenAI {
  return new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
}

async function converse(
  h: Harness,
  turns: number,
  messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: SYSTEM }],
): Promise<Turn[]> {
  const out: Turn[] = [];
  const from = messages.filter((m) => m.role === 'user').length + 1;
  for (let i = from; i < from + turns; i++) {
    // Each turn brings a tool's output (a file read, a test run): the conversation grows as an agent's does.
    messages.push({ role: 'user', content: `turn ${i}: ${`output line ${i} of the last command; `.repeat(25)}` });
    const { data, response } = await client(h).chat.completions.create({ model: 'main', messages }).withResponse();
    messages.push({ role: 'assistant', content: data.choices[0]!.message.content ?? '' });
    out.push({
      input: data.usage?.prompt_tokens ?? 0,
      cached: data.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      credential: response.headers.get('x-switchyard-credential') ?? '',
    });
  }
  return out;
}

/** A warm turn read from the cache everything the turn before it sent (its whole prompt): only what is new since
 * is read at full price. */
function warmTurns(turns: Turn[]): number {
  let warm = 0;
  for (let i = 1; i < turns.length; i++) if (turns[i]!.cached >= turns[i - 1]!.input) warm += 1;
  return warm;
}

function tokenShare(turns: Turn[]): number {
  const later = turns.slice(1);
  return later.reduce((n, t) => n + t.cached, 0) / later.reduce((n, t) => n + t.input, 0);
}

async function pool(affinity: 'prefix' | 'none'): Promise<Harness> {
  return startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: Object.fromEntries(KEYS.map((k, i) => [k, { prompt_cache: true, account: `account-${i}` }])),
    },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', KEYS) },
      main: { provider: 'p', model: 'sim-large' },
      credentials: { strategy: 'round_robin', affinity },
      retry: FAST_RETRY,
    }),
  });
}

interface LogLine {
  msg: string;
  upstream?: { note?: string; outcome?: string; route?: string }[];
}

async function metric(h: Harness, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

function notes(h: Harness): string[] {
  return h.logs
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.msg === 'request')
    .flatMap((l) => (l.upstream ?? []).map((a) => a.note))
    .filter((n): n is string => n !== undefined);
}

describe('cache affinity through the gateway', () => {
  it('keeps a 20-turn conversation on one key: at least 90% of the turns after the first are warm, against round robin without it', async (t) => {
    await using withAffinity = await pool('prefix');
    const kept = await converse(withAffinity, 20);
    await using without = await pool('none');
    const rotated = await converse(without, 20);
    const warmWith = warmTurns(kept);
    const warmWithout = warmTurns(rotated);
    t.diagnostic(
      `warm turns after the first: ${warmWith}/19 with affinity, ${warmWithout}/19 without; ` +
        `prompt tokens read from the cache: ${(tokenShare(kept) * 100).toFixed(1)}% with, ${(tokenShare(rotated) * 100).toFixed(1)}% without`,
    );
    assert.ok(warmWith / 19 >= 0.9, `${warmWith}/19 warm with affinity`);
    assert.equal(new Set(kept.map((k) => k.credential)).size, 1, 'one key served the whole conversation');
    assert.equal(new Set(rotated.map((k) => k.credential)).size, 3, 'round robin used all three keys');
    assert.ok(warmWithout < warmWith, `${warmWithout}/19 warm without affinity`);
    assert.deepEqual(notes(withAffinity), [], 'nothing broke affinity');
    // The metrics tell the same: every later turn kept, and the hit ratio by key is the cache's share of the prompt.
    assert.equal(
      await metric(withAffinity, /^switchyard_cache_affinity_total\{provider="p",outcome="kept"\} (\d+)$/m),
      19,
    );
    const key = kept[0]!.credential;
    const by = (kind: string): RegExp =>
      new RegExp(
        `^switchyard_prompt_cache_tokens_total\\{route="p/sim-large",task="main",key="${key}",kind="${kind}"\\} (\\d+)$`,
        'm',
      );
    const read = await metric(withAffinity, by('cache_read'));
    const input = await metric(withAffinity, by('input'));
    assert.equal(
      read,
      kept.reduce((n, t) => n + t.cached, 0),
    );
    assert.equal(
      input,
      kept.reduce((n, t) => n + t.input, 0),
    );
    assert.equal(await metric(without, /^switchyard_cache_affinity_total\{provider="p",outcome="kept"\} (\d+)$/m), 0);
  });

  it('a key cooling since the last turn breaks affinity, and the attempt sent instead says so with the tokens re-read', async () => {
    await using h = await pool('prefix');
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: SYSTEM }];
    const first = await converse(h, 2, messages);
    const fp = first[1]!.credential;
    const now = Date.now();
    h.store.applyHealth(fp, {
      provider: 'p',
      at: now,
      state: 'cooling',
      reason: 'rate_limited',
      until: now + 60_000,
      add_failures: 1,
    });
    const [third] = await converse(h, 1, messages);
    assert.notEqual(third!.credential, fp);
    const said = notes(h);
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0]!, /^cache affinity broken: key \S+ is .*rate.limited.*; ≈\d+ prefix tokens re-read$/);
  });

  it('a key failing mid-call rotates and the trail says the warm cache was lost', async () => {
    await using h = await startHarness({
      scenario: {
        models: { 'sim-large': {} },
        keys: {
          [KEYS[0]!]: { prompt_cache: true, script: ['ok', '429'] },
          [KEYS[1]!]: { prompt_cache: true },
        },
      },
      config: (sim) => ({
        providers: { p: simProvider(sim, 'openai', KEYS.slice(0, 2)) },
        main: { provider: 'p', model: 'sim-large' },
        credentials: { strategy: 'fill_first' },
        retry: FAST_RETRY,
      }),
    });
    const turns = await converse(h, 2);
    assert.notEqual(turns[0]!.credential, turns[1]!.credential);
    const said = notes(h);
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0]!, /^cache affinity broken: key \S+ failed \(rate_limited\); ≈\d+ prefix tokens re-read$/);
  });

  it('a fallback breaks affinity visibly; the next turn tries the chain in order again, and says so when it leaves the warm route', async () => {
    await using h = await startHarness({
      scenario: {
        models: { 'sim-large': {} },
        keys: {
          'sk-sim-affinity-main-1': { prompt_cache: true, script: ['ok', '500', '500'] },
          'sk-sim-affinity-back-1': { prompt_cache: true },
        },
      },
      config: (sim) => ({
        providers: {
          a: simProvider(sim, 'openai', 'sk-sim-affinity-main-1'),
          b: simProvider(sim, 'openai', 'sk-sim-affinity-back-1'),
        },
        main: { provider: 'a', model: 'sim-large' },
        fallback: [{ provider: 'b', model: 'sim-large' }],
        retry: FAST_RETRY,
      }),
    });
    await converse(h, 3);
    const said = notes(h);
    assert.equal(said.length, 2, said.join('\n'));
    assert.match(
      said[0]!,
      /^cache affinity broken: fell back from a\/sim-large \(server\); ≈\d+ prefix tokens re-read$/,
    );
    // A fallback is for while the first route cannot answer: the third turn goes to a again, which answers now.
    assert.match(
      said[1]!,
      /^cache affinity broken: a\/sim-large answered first in the chain \(b\/sim-large served the turn before\); ≈\d+ prefix tokens re-read$/,
    );
  });
});

/** Standing instructions of an agent body over 48 KB: read from its bytes, its messages hashed from their spans. */
const LARGE_SYSTEM = `You are a coding agent. ${'Follow the repository conventions and explain each change. '.repeat(900)}`;

describe('cache affinity across shapes', () => {
  it('an Anthropic caller marking its last message stays on one key, streaming, and reads the turn before it', async () => {
    await anthropicConversation(SYSTEM);
  });

  it('an Anthropic caller of an agent-sized body (hashed from its bytes) stays on one key and reads the turn before it', async () => {
    await anthropicConversation(LARGE_SYSTEM);
  });

  it('an OpenAI caller of an agent-sized body (hashed from its bytes) stays on one key, its later turns warm', async () => {
    await using h = await pool('prefix');
    const turns = await converse(h, 6, [{ role: 'system', content: LARGE_SYSTEM }]);
    assert.equal(new Set(turns.map((t) => t.credential)).size, 1, 'one key served the whole conversation');
    assert.equal(warmTurns(turns), 5);
    assert.deepEqual(notes(h), [], 'nothing broke affinity');
  });
});

/** Four streamed turns of an Anthropic caller that marks its system prompt and newest message, as Claude Code does,
 * over a three-key round-robin pool: one key serves them, each reading more from the cache than the one before. */
async function anthropicConversation(system: string): Promise<void> {
  {
    const keys = ['sk-ant-sim-affinity-a1', 'sk-ant-sim-affinity-b2', 'sk-ant-sim-affinity-c3'];
    await using h = await startHarness({
      scenario: {
        models: { 'sim-large': {} },
        keys: Object.fromEntries(keys.map((k) => [k, { prompt_cache: true }])),
      },
      config: (sim) => ({
        providers: { an: simProvider(sim, 'anthropic', keys, { models: { 'sim-large': {} } }) },
        main: { provider: 'an', model: 'sim-large' },
        credentials: { strategy: 'round_robin' },
        retry: FAST_RETRY,
      }),
    });
    const anthropic = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
    const mark = { type: 'ephemeral' as const };
    const history: Anthropic.MessageParam[] = [];
    const reads: number[] = [];
    for (let i = 1; i <= 4; i++) {
      // As Claude Code does: the system prompt and the newest message carry the marks.
      history.push({
        role: 'user',
        content: [{ type: 'text', text: `step ${i}: ${'tool output '.repeat(50)}`, cache_control: mark }],
      });
      const stream = anthropic.messages.stream({
        model: 'main',
        max_tokens: 100,
        system: [{ type: 'text', text: system, cache_control: mark }],
        messages: history,
      });
      const final = await stream.finalMessage();
      reads.push(final.usage.cache_read_input_tokens ?? 0);
      // The mark moves to the newest message: the earlier one is plain text now.
      const last = history.at(-1)!;
      if (Array.isArray(last.content))
        last.content = last.content.map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : b));
      history.push({
        role: 'assistant',
        content: final.content.map((b) =>
          b.type === 'text' ? { type: 'text' as const, text: b.text } : b,
        ) as Anthropic.ContentBlockParam[],
      });
    }
    const served = new Set(h.sim.log().map((c) => c.key));
    assert.equal(served.size, 1, `one key served the conversation: ${[...served].join(', ')}`);
    assert.equal(reads[0], 0);
    for (let i = 1; i < reads.length; i++)
      assert.ok(reads[i]! > reads[i - 1]!, `turn ${i + 1} read more than turn ${i}: ${reads.join(', ')}`);
  }
}
