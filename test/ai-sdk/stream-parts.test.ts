// The stream parts a model hands the SDK, read straight from doStream as the SDK reads them: the preamble once and
// first, ids that tie each block together, a signed thinking block, tool input then the call, and the finish with
// the trail; and our stream events mapped to them one for one (StreamParts), a broken stream included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamPart } from '../../src/ai-sdk/spec-types.ts';
import { StreamParts } from '../../src/ai-sdk/stream-parts.ts';
import type { StreamEvent } from '../../src/providers/types.ts';
import { world } from './world.ts';

async function partsOf(stream: ReadableStream<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  return parts;
}

/** Each part's type, with its id where it has one, so the sequence reads as the SDK sees it. */
const shape = (parts: StreamPart[]): string[] =>
  parts.map((p) => (p.type !== 'response-metadata' && 'id' in p ? `${p.type} ${p.id}` : p.type));

test('a text answer: stream-start, response-metadata, one text block, finish with usage and the trail', async () => {
  await using w = await world();
  const model = w.provider('v4')('main');
  const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] });
  const parts = await partsOf(stream);
  const deltas = parts.filter((p) => p.type === 'text-delta').map((p) => ('delta' in p ? p.delta : ''));
  assert.deepEqual(shape(parts), [
    'stream-start',
    'response-metadata',
    'text-start txt-0',
    ...deltas.map(() => 'text-delta txt-0'),
    'text-end txt-0',
    'finish',
  ]);
  assert.equal(deltas.join(''), '[sim-large] reply to: hello');
  const finish = parts.at(-1) as Extract<StreamPart, { type: 'finish' }>;
  assert.deepEqual(finish.finishReason, { unified: 'stop', raw: 'stop' });
  assert.ok((finish.usage.inputTokens.total ?? 0) > 0 && (finish.usage.outputTokens.total ?? 0) > 0);
  const own = finish.providerMetadata?.['switchyard'] as { route: string; attempts: { outcome: string }[] };
  assert.equal(own.route, 'primary/sim-large');
  assert.deepEqual(
    own.attempts.map((a) => a.outcome),
    ['ok'],
  );
});

test('a thinking tool call: a signed reasoning block, tool input, then the call once its input is whole', async () => {
  await using w = await world();
  const model = w.provider('v3')('backup/sim-small');
  const { stream } = await model.doStream({
    prompt: [{ role: 'user', content: [{ type: 'text', text: 'call lookup for tides' }] }],
    tools: [
      { type: 'function', name: 'lookup', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
    ],
    maxOutputTokens: 4096,
    providerOptions: { switchyard: { thinking: { type: 'enabled', budget_tokens: 1024 } } },
  });
  const parts = await partsOf(stream);
  const seen = shape(parts).filter((s, i, all) => s !== all[i - 1]);
  assert.deepEqual(seen, [
    'stream-start',
    'response-metadata',
    'reasoning-start rsn-0',
    'reasoning-delta rsn-0',
    'reasoning-end rsn-0',
    'tool-input-start toolu_sim_1',
    'tool-input-delta toolu_sim_1',
    'tool-input-end toolu_sim_1',
    'tool-call',
    'finish',
  ]);
  const signed = parts.find((p) => p.type === 'reasoning-end') as { providerMetadata?: Record<string, unknown> };
  assert.match(String((signed.providerMetadata?.['switchyard'] as { signature: string }).signature), /^sim-sig-/);
  const call = parts.find((p) => p.type === 'tool-call') as Extract<StreamPart, { type: 'tool-call' }>;
  assert.equal(call.toolName, 'lookup');
  assert.equal(typeof (JSON.parse(call.input) as { q: unknown }).q, 'string');
  const finish = parts.at(-1) as Extract<StreamPart, { type: 'finish' }>;
  assert.deepEqual(finish.finishReason, { unified: 'tool-calls', raw: 'tool_calls' });
});

test('our blocks are the SDK parts one for one: ids kept, each call made at its end, a redacted block whole', () => {
  const parts = new StreamParts();
  const events: StreamEvent[] = [
    { type: 'start', id: 'msg_1', model: 'm' },
    { type: 'redacted_thinking', data: 'xx==', id: 'rsn-0' },
    { type: 'text_start', id: 'txt-1' },
    { type: 'text', text: 'Both.', id: 'txt-1' },
    { type: 'text_end', id: 'txt-1' },
    { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
    { type: 'tool_call_start', index: 1, id: 'call_b', name: 'g' },
    { type: 'tool_call_delta', index: 1, arguments: '{}', id: 'call_b' },
    { type: 'tool_call_delta', index: 0, arguments: '{"a":1}', id: 'call_a' },
    { type: 'tool_call_end', index: 1, id: 'call_b' },
    { type: 'tool_call_end', index: 0, id: 'call_a' },
  ];
  const out = events.flatMap((e) => parts.parts(e, { model: 'm' }));
  out.push(...parts.finishParts({ type: 'finish', finish_reason: 'tool_calls' }, {}));
  assert.deepEqual(shape(out), [
    'response-metadata',
    'reasoning-start rsn-0',
    'reasoning-delta rsn-0',
    'reasoning-end rsn-0',
    'text-start txt-1',
    'text-delta txt-1',
    'text-end txt-1',
    'tool-input-start call_a',
    'tool-input-start call_b',
    'tool-input-delta call_b',
    'tool-input-delta call_a',
    'tool-input-end call_b',
    'tool-call',
    'tool-input-end call_a',
    'tool-call',
    'finish',
  ]);
  const redacted = out.find((p) => p.type === 'reasoning-end') as { providerMetadata?: Record<string, unknown> };
  assert.deepEqual(redacted.providerMetadata?.['switchyard'], { redactedData: 'xx==' });
});

test('a broken stream: open blocks end, and a call whose input had not ended is no call', () => {
  const parts = new StreamParts();
  const events: StreamEvent[] = [
    { type: 'thinking_start', id: 'rsn-0' },
    { type: 'thinking', thinking: 'Hm.', id: 'rsn-0' },
    { type: 'thinking_signature', signature: 'sig', id: 'rsn-0' },
    { type: 'thinking_end', id: 'rsn-0' },
    { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
    { type: 'tool_call_delta', index: 0, arguments: '{"a":', id: 'call_a' },
  ];
  const out = events.flatMap((e) => parts.parts(e, { model: 'm' }));
  out.push(...parts.finishParts(undefined, {}));
  assert.deepEqual(shape(out).slice(-3), ['tool-input-delta call_a', 'tool-input-end call_a', 'finish']);
  const signed = out.find((p) => p.type === 'reasoning-end') as { providerMetadata?: Record<string, unknown> };
  assert.deepEqual(signed.providerMetadata?.['switchyard'], { signature: 'sig' });
  const open = new StreamParts();
  const cut = [{ type: 'text_start', id: 'txt-0' } as const, { type: 'text', text: 'hal', id: 'txt-0' } as const];
  const broken = [...cut.flatMap((e) => open.parts(e, { model: 'm' })), ...open.finishParts(undefined, {})];
  assert.deepEqual(shape(broken).slice(-2), ['text-end txt-0', 'finish']);
});
