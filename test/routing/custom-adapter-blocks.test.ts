// An adapter a library user wrote before stream events had block boundaries (`createSwitchyard({ adapterFor })`)
// still streams well-formed blocks to whatever reads them (the AI SDK provider, resuming a cut answer): they are added
// where it has none, and one that says its own blocks is passed on as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  configFromObject,
  createSwitchyard,
  openStore,
  type ProviderAdapter,
  type StreamEvent,
} from '../../src/index.ts';
import { assertBlocks } from '../helpers/stream-blocks.ts';

function adapterStreaming(events: StreamEvent[]): ProviderAdapter {
  return {
    type: 'openai',
    send: () => Promise.reject(new Error('streams only')),
    async *stream() {
      yield* events;
    },
    listModels: async () => [],
  };
}

async function streamed(events: StreamEvent[]): Promise<StreamEvent[]> {
  const config = configFromObject(
    {
      providers: { own: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-own-adapter-000001' } },
      main: { provider: 'own', model: 'own-model' },
    },
    { env: {}, dotenv: false },
  );
  const adapter = adapterStreaming(events);
  await using sy = createSwitchyard({ config, adapterFor: () => adapter, store: openStore({ kind: 'memory' }) });
  const r = await sy.chat({ messages: [{ role: 'user', content: 'hi' }], stream: true });
  assert.equal(r.status, 'ok');
  const out: StreamEvent[] = [];
  if (r.status === 'ok') for await (const e of r.events) out.push(e);
  return out;
}

test('a stream without block boundaries gets them, as the encoders once read such a stream', async () => {
  const events = await streamed([
    { type: 'start', id: 'own-1', model: 'own-model' },
    { type: 'thinking', thinking: 'Hm.' },
    { type: 'thinking_signature', signature: 'sig' },
    { type: 'thinking', thinking: 'Again.' },
    { type: 'text', text: 'Calling.' },
    { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
    { type: 'tool_call_delta', index: 0, arguments: '{}' },
    { type: 'text', text: 'Done.' },
    { type: 'finish', finish_reason: 'tool_calls' },
  ]);
  assertBlocks(events);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'start',
      'thinking_start',
      'thinking',
      'thinking_signature',
      // A signed block is done: more thinking opens another.
      'thinking_end',
      'thinking_start',
      'thinking',
      'thinking_end',
      'text_start',
      'text',
      'text_end',
      'tool_call_start',
      'tool_call_delta',
      // Text after a tool call ends it.
      'tool_call_end',
      'text_start',
      'text',
      'text_end',
      'finish',
    ],
  );
});

test('a stream that says its own blocks is passed on as it is', async () => {
  const own: StreamEvent[] = [
    { type: 'start', id: 'own-2', model: 'own-model' },
    { type: 'text_start', id: 'mine' },
    { type: 'text', text: 'Hello', id: 'mine' },
    { type: 'text_end', id: 'mine' },
    { type: 'finish', finish_reason: 'stop' },
  ];
  assert.deepEqual(await streamed(own), own);
});
