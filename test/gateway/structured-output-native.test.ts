// Structured output on both route shapes, through the official SDKs' own parse helpers: Anthropic's
// `messages.parse` (output_config.format), OpenAI's chat `parse` (response_format) and Responses `parse` (text.format).
// The simulator answers JSON only when the field reaches it, as Anthropic does, so a parsed object on an Anthropic
// route proves the gateway sent `output_config.format` rather than a prompt instruction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { z } from 'zod';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

const OPENAI_KEY = 'sk-gw-structured-openai-01';
const ANTHROPIC_KEY = 'sk-gw-structured-anthro-01';

const Rating = z.object({ title: z.string(), score: z.number(), tags: z.array(z.string()) });

/** Tasks: `oa` an OpenAI route, `an` an Anthropic route to a model with structured outputs, `old` one without. */
function gateway(): Promise<Harness> {
  return startHarness({
    scenario: {
      keys: { [OPENAI_KEY]: {}, [ANTHROPIC_KEY]: {} },
      models: { 'sim-large': {}, 'claude-sonnet-4-5': {}, 'claude-sonnet-4-20250514': {} },
    },
    config: (url) => ({
      providers: {
        oa: simProvider(url, 'openai', OPENAI_KEY),
        an: simProvider(url, 'anthropic', ANTHROPIC_KEY),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: {
        anthropic: { provider: 'an', model: 'claude-sonnet-4-5', fallback_to_main: false },
        old: { provider: 'an', model: 'claude-sonnet-4-20250514', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
}

const prompt = 'rate this gateway as json';

test('@anthropic-ai/sdk messages.parse gets a parsed object on an OpenAI route and on an Anthropic one', async () => {
  await using h = await gateway();
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, authToken: null, maxRetries: 0 });
  for (const model of ['main', 'anthropic']) {
    const done = await client.messages.parse({
      model,
      max_tokens: 512,
      messages: [{ role: 'user', content: prompt }],
      output_config: { format: zodOutputFormat(Rating) },
    });
    assert.ok(Rating.safeParse(done.parsed_output).success, `${model}: ${JSON.stringify(done.content)}`);
  }
});

test('openai chat parse (response_format) and Responses parse (text.format) get parsed objects on an Anthropic route', async () => {
  await using h = await gateway();
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  for (const model of ['main', 'anthropic']) {
    const chat = await client.chat.completions.parse({
      model,
      messages: [{ role: 'user', content: prompt }],
      response_format: zodResponseFormat(Rating, 'rating'),
    });
    assert.ok(Rating.safeParse(chat.choices[0]?.message.parsed).success, `${model}: chat`);
    const responses = await client.responses.parse({
      model,
      input: prompt,
      text: { format: zodTextFormat(Rating, 'rating') },
    });
    assert.ok(Rating.safeParse(responses.output_parsed).success, `${model}: responses`);
  }
});

test('a schema with bounds Anthropic refuses is sent closed, its bounds in the description, and answered', async () => {
  await using h = await gateway();
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'anthropic',
      messages: [{ role: 'user', content: prompt }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'rating',
          schema: {
            type: 'object',
            properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, note: { type: 'string', maxLength: 9 } },
            required: ['score'],
          },
        },
      },
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  const value = JSON.parse(body.choices[0]!.message.content) as { score: unknown };
  assert.equal(typeof value.score, 'number');
});

test('a Claude model without structured outputs is asked in the prompt, not sent the field it would refuse', async () => {
  await using h = await gateway();
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, authToken: null, maxRetries: 0 });
  // The simulator follows no prompt: the answer is prose, which the SDK cannot parse — but it is an answer, not
  // the 400 the field would have brought.
  await assert.rejects(
    client.messages.parse({
      model: 'old',
      max_tokens: 512,
      messages: [{ role: 'user', content: prompt }],
      output_config: { format: zodOutputFormat(Rating) },
    }),
    /Failed to parse structured output as JSON/,
  );
});
