// The guard on answers: a model that echoes a secret, whole or streamed in pieces that cut it anywhere, reaches the
// caller with the secret redacted under redact; under log it goes out as it came, counted. The upstream is canned,
// since the simulator never says a secret of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY } from '../gateway/harness.ts';
import { startCannedUpstream, type CannedReply } from '../helpers/canned-upstream.ts';
import { until } from '../helpers/until.ts';
import { plantedSecrets } from './corpus.ts';

const [aws, , key] = plantedSecrets();
const awsKey = aws!.secrets[0]!;
const said = `Your key is ${awsKey}. And the block:\n${key!.text}\nDone.`;

/** An OpenAI stream saying `text` in pieces of `size` characters. */
function streamed(text: string, size: number): CannedReply {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let body = chunk({ role: 'assistant', content: '' });
  for (let i = 0; i < text.length; i += size) body += chunk({ content: text.slice(i, i + size) });
  body += `${chunk({}, 'stop')}data: [DONE]\n\n`;
  return { status: 200, body, headers: { 'content-type': 'text/event-stream' } };
}

function whole(text: string): CannedReply {
  return {
    status: 200,
    body: {
      id: 'c1',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
  };
}

async function gatewayBefore(replies: CannedReply[], mode: string) {
  const up = await startCannedUpstream(replies);
  const h = await startHarness({
    scenario: {},
    config: () => ({
      providers: { compat: simProvider(up.origin, 'openai', 'sk-canned-guard-0001') },
      main: { provider: 'compat', model: 'm' },
      retry: { ...FAST_RETRY, max_retries: 0 },
      guard: { secrets: mode },
    }),
  });
  return { up, h, [Symbol.asyncDispose]: async () => (await h.close(), await up.close()) };
}

test('under redact a secret the model says is redacted, whole or streamed in pieces of any size', async () => {
  const sizes = [1, 3, 7, 64];
  await using g = await gatewayBefore(
    [whole(said), ...sizes.map((n) => streamed(said, n)), streamed(said, 5)],
    'redact',
  );
  const client = new OpenAI({ baseURL: `${g.h.url}/v1`, apiKey: g.h.key, maxRetries: 0 });
  const answers: string[] = [];
  const first = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] });
  answers.push(first.choices[0]!.message.content ?? '');
  for (const _ of sizes) {
    let text = '';
    const stream = await client.chat.completions.create({
      model: 'main',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    answers.push(text);
  }
  const anthropic = new Anthropic({ baseURL: g.h.url, apiKey: g.h.key, maxRetries: 0 });
  const msg = await anthropic.messages
    .stream({ model: 'main', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
    .finalMessage();
  answers.push(msg.content.map((b) => (b.type === 'text' ? b.text : '')).join(''));
  for (const text of answers) {
    assert.ok(!text.includes(awsKey), text);
    for (const s of key!.secrets) assert.ok(!text.includes(s));
    assert.match(text, /^Your key is \[redacted aws_access_key …[A-Z2-7]{4}\]\. And the block:\n/);
    assert.match(text, /\[redacted private_key\]/);
    assert.match(text, /Done\.$/);
  }
  await until('the findings in the request line', () =>
    g.h.logs.some((l) => l.includes('aws-access-key@answer.content:redact')),
  );
});

test('under log the answer goes out as it came, and a whole answer secret is counted', async () => {
  await using g = await gatewayBefore([whole(said), streamed(said, 4)], 'log');
  const client = new OpenAI({ baseURL: `${g.h.url}/v1`, apiKey: g.h.key, maxRetries: 0 });
  const first = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(first.choices[0]!.message.content, said);
  let text = '';
  const stream = await client.chat.completions.create({
    model: 'main',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  assert.equal(text, said);
  await until('the findings in the request line', () =>
    g.h.logs.some((l) => l.includes('aws-access-key@answer.content:log')),
  );
  assert.ok(!g.h.logs.join('\n').includes(awsKey));
});
