// OpenAI's own stream chunks carry `obfuscation`, random padding that differs in every chunk (on unless a caller sends
// stream_options.include_obfuscation: false). Through the real router and a loopback upstream sending chunks shaped as
// OpenAI sends them: the text read from the template (providers/text-template.ts) is the text the parse reads, and a
// padding of another form, or a finish, still goes to the parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { FAST_RETRY, harness, hello } from './helpers.ts';
import type { StreamEvent } from '../../src/providers/types.ts';

const HEAD = {
  id: 'chatcmpl-C3jmyBQgTgsLd421',
  object: 'chat.completion.chunk',
  created: 1755007032,
  model: 'gpt-4o-2024-08-06',
  service_tier: 'default',
  system_fingerprint: 'fp_7eeb46f068',
};
const PIECES = ['Pi', ' is', ' "about"', ' 3.14', '\\', ' — π', '\n', ' end.'];
const PADS = ['D5jIQAiER0kD2', '3S9', '', 'x_y-Z', 'kq', 'aaaaaaaaaaaaaaaaaaaa', '7', 'Qe'];

function chunk(delta: Record<string, unknown>, obfuscation: unknown, finish: string | null = null): string {
  const c = { ...HEAD, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], obfuscation };
  return `data: ${JSON.stringify(c)}\n\n`;
}

const BODY = [
  chunk({ role: 'assistant', content: '', refusal: null }, 'hG'),
  ...PIECES.map((p, i) => chunk({ content: p }, PADS[i])),
  // Padding with an escape is not of the usual form: the parse reads this one.
  chunk({ content: ' escaped pad' }, 'a"b'),
  chunk({ content: ' after' }, 'Zz'),
  chunk({}, 'fin', 'stop'),
  'data: [DONE]\n\n',
].join('');

test('OpenAI chunks with random obfuscation padding stream the same text as parsed whole', async () => {
  await using up = await startCannedUpstream([
    { status: 200, body: BODY, headers: { 'content-type': 'text/event-stream' } },
  ]);
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { oa: { type: 'openai', base_url: up.baseUrl, api_key: 'sk-test-padding-0001' } },
      main: { provider: 'oa', model: 'gpt-4o' },
      retry: FAST_RETRY,
    }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const events: StreamEvent[] = [];
  for await (const e of r.events) events.push(e);
  const texts = events.flatMap((e) => (e.type === 'text' ? [e.text] : []));
  assert.deepEqual(texts, [...PIECES, ' escaped pad', ' after']);
  assert.deepEqual(
    events.map((e) => e.type),
    ['start', 'text_start', ...texts.map(() => 'text'), 'text_end', 'finish'],
  );
  assert.equal(events.find((e) => e.type === 'text')?.id, 'txt-0');
});
