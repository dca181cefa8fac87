// Why an answer ended, from an Anthropic upstream to every caller shape, through the official SDKs: a stop sequence
// (and which one), a paused turn and a refusal. The simulator does not answer these, so the upstream here is a
// loopback server scripted by the prompt: "stop-seq", "pause" or "refuse".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startCannedHarness, type Harness } from './harness.ts';
import { startCannedUpstream, type CannedUpstream } from '../helpers/canned-upstream.ts';

const KEY = 'sk-ant-scripted-stop-0001';

/** The stop an upstream answer ends with, chosen by the prompt. */
function stopFor(prompt: string): { stop_reason: string; stop_sequence: string | null } {
  if (prompt.includes('stop-seq')) return { stop_reason: 'stop_sequence', stop_sequence: 'STOP' };
  if (prompt.includes('pause')) return { stop_reason: 'pause_turn', stop_sequence: null };
  if (prompt.includes('refuse')) return { stop_reason: 'refusal', stop_sequence: null };
  return { stop_reason: 'end_turn', stop_sequence: null };
}

const sse = (event: string, data: Record<string, unknown>): string =>
  `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;

/** An Anthropic Messages upstream answering "partial answer" with the scripted stop, whole or streamed. */
function answer(body: { stream?: boolean; messages: { content: unknown }[] }): { type: string; body: string } {
  const stop = stopFor(JSON.stringify(body.messages.at(-1)?.content));
  const usage = { input_tokens: 12, output_tokens: 3 };
  const message = { id: 'msg_scripted', type: 'message', role: 'assistant', model: 'claude-scripted' };
  if (body.stream !== true) {
    return {
      type: 'application/json',
      body: JSON.stringify({ ...message, content: [{ type: 'text', text: 'partial answer' }], ...stop, usage }),
    };
  }
  return {
    type: 'text/event-stream',
    body: [
      sse('message_start', {
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 12, output_tokens: 1 },
        },
      }),
      sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'partial ' } }),
      sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'answer' } }),
      sse('content_block_stop', { index: 0 }),
      sse('message_delta', { delta: stop, usage: { output_tokens: 3 } }),
      sse('message_stop', {}),
    ].join(''),
  };
}

let up: CannedUpstream;
let h: Harness;

before(async () => {
  up = await startCannedUpstream([], (request) => {
    const a = answer(request);
    return { status: 200, body: a.body, headers: { 'content-type': a.type } };
  });
  h = await startCannedHarness(up, { type: 'anthropic', key: KEY, model: 'claude-scripted' });
});
after(async () => {
  await h.close();
  await up.close();
});

const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

test('Anthropic SDK: stop_sequence with the sequence that fired, pause_turn and refusal, answered and streamed', async () => {
  const cases: [string, string, string | null][] = [
    ['stop-seq', 'stop_sequence', 'STOP'],
    ['pause', 'pause_turn', null],
    ['refuse', 'refusal', null],
    ['plain', 'end_turn', null],
  ];
  for (const [prompt, stopReason, stopSequence] of cases) {
    const request = {
      model: 'main',
      max_tokens: 50,
      stop_sequences: ['STOP'],
      messages: [{ role: 'user' as const, content: prompt }],
    };
    const whole = await anthropic().messages.create(request);
    assert.deepEqual([whole.stop_reason, whole.stop_sequence], [stopReason, stopSequence], `${prompt}, answered`);
    const streamed = await anthropic().messages.stream(request).finalMessage();
    assert.deepEqual([streamed.stop_reason, streamed.stop_sequence], [stopReason, stopSequence], `${prompt}, streamed`);
  }
});

test('OpenAI SDK (chat completions): a stop sequence and a paused turn are "stop", a refusal "content_filter"', async () => {
  const cases: [string, string][] = [
    ['stop-seq', 'stop'],
    ['pause', 'stop'],
    ['refuse', 'content_filter'],
  ];
  for (const [prompt, finish] of cases) {
    const request = { model: 'main', stop: ['STOP'], messages: [{ role: 'user' as const, content: prompt }] };
    const whole = await openai().chat.completions.create(request);
    assert.equal(whole.choices[0]?.finish_reason, finish, `${prompt}, answered`);
    let streamed: string | null | undefined;
    for await (const chunk of await openai().chat.completions.create({ ...request, stream: true }))
      streamed = chunk.choices[0]?.finish_reason ?? streamed;
    assert.equal(streamed, finish, `${prompt}, streamed`);
  }
});

test('OpenAI SDK (responses): a stop sequence and a paused turn complete, a refusal is incomplete (content_filter)', async () => {
  const cases: [string, string, string | undefined][] = [
    ['stop-seq', 'completed', undefined],
    ['pause', 'completed', undefined],
    ['refuse', 'incomplete', 'content_filter'],
  ];
  for (const [prompt, status, reason] of cases) {
    const whole = await openai().responses.create({ model: 'main', input: prompt });
    assert.deepEqual([whole.status, whole.incomplete_details?.reason], [status, reason], `${prompt}, answered`);
    const streamed = await openai().responses.stream({ model: 'main', input: prompt }).finalResponse();
    assert.deepEqual([streamed.status, streamed.incomplete_details?.reason], [status, reason], `${prompt}, streamed`);
    assert.equal(streamed.output_text, 'partial answer');
  }
});
