// A model's largest max_tokens (`max_output_tokens`) and OpenAI's four stop sequences, refused as the real APIs
// refuse them, in their wording: what the router reads the limit from, and what a translation must stay within.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropic, openai, parseJson, userMessage, withSim } from './client.ts';
import { describeModel } from '../../src/sim/describe.ts';
import { scenarioSchema } from '../../src/sim/scenario.ts';

const KEY = 'sk-sim-limits';
const SCENARIO = {
  models: { 'gpt-4o': { max_output_tokens: 16384 }, 'claude-haiku': { max_output_tokens: 8192 }, 'sim-large': {} },
  keys: { [KEY]: {} },
};

test('OpenAI: max_tokens (or max_completion_tokens) above the limit is a 400 stating it; at the limit, or on a model without one, it is answered', async () => {
  await withSim(SCENARIO, async (sim) => {
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const r = await openai(sim, KEY, { model: 'gpt-4o', [field]: 32000, messages: [userMessage('hi')] });
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(parseJson(r.text), {
        error: {
          message: `${field} is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.`,
          type: 'invalid_request_error',
          param: field,
          code: 'invalid_value',
        },
      });
    }
    assert.equal(
      (await openai(sim, KEY, { model: 'gpt-4o', max_tokens: 16384, messages: [userMessage('hi')] })).status,
      200,
    );
    assert.equal(
      (await openai(sim, KEY, { model: 'sim-large', max_tokens: 1_000_000, messages: [userMessage('hi')] })).status,
      200,
    );
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['bad_request', 'bad_request', 'ok', 'ok'],
    );
  });
});

test('Anthropic: max_tokens above the limit is a 400 in its wording, naming the model', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await anthropic(sim, KEY, { model: 'claude-haiku', max_tokens: 32000, messages: [userMessage('hi')] });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(parseJson(r.text), {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'max_tokens: 32000 > 8192, which is the maximum allowed number of output tokens for claude-haiku',
      },
    });
  });
});

test('OpenAI: more than four stop sequences is a 400; four are answered', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await openai(sim, KEY, {
      model: 'sim-large',
      stop: ['a', 'b', 'c', 'd', 'e', 'f'],
      messages: [userMessage('hi')],
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(parseJson(r.text), {
      error: {
        message:
          "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 6 instead.",
        type: 'invalid_request_error',
        param: 'stop',
        code: 'array_above_max_length',
      },
    });
    assert.equal(
      (await openai(sim, KEY, { model: 'sim-large', stop: ['a', 'b', 'c', 'd'], messages: [userMessage('hi')] }))
        .status,
      200,
    );
  });
});

test('the simulator describes a model with its limit', () => {
  const models = scenarioSchema.parse(SCENARIO).models;
  assert.equal(describeModel('gpt-4o', models['gpt-4o']!), 'gpt-4o: context 128000; max_tokens ≤ 16384');
  assert.equal(describeModel('sim-large', models['sim-large']!), 'sim-large: context 128000');
});
