// Authentication, scoping and every scripted HTTP error, in both APIs' real error shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, openai, anthropic, parseJson, userMessage } from './client.ts';

const ask = { model: 'sim-large', max_tokens: 64, messages: [userMessage('hi')] };

type OpenAiError = { error: { message: string; type: string; param: unknown; code: unknown } };
type AnthropicError = { type: string; error: { type: string; message: string } };

function openAiError(text: string): OpenAiError['error'] {
  const body = parseJson(text) as OpenAiError;
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  return body.error;
}

/** `bare`: the body is `{"error":{…}}` alone, as Anthropic's region refusal is (see src/sim/errors.ts). */
function anthropicError(text: string, bare = false): AnthropicError['error'] {
  const body = parseJson(text) as AnthropicError;
  if (bare) assert.deepEqual(Object.keys(body), ['error']);
  else assert.equal(body.type, 'error');
  assert.deepEqual(Object.keys(body.error).sort(), ['message', 'type']);
  return body.error;
}

test('a missing key is 401 with the "no API key provided" wording, in both APIs', async () => {
  await withSim({ keys: { 'sk-sim-good': {} } }, async (sim) => {
    const o = await openai(sim, undefined, ask);
    assert.equal(o.status, 401);
    assert.match(openAiError(o.text).message, /No API key provided/);
    const a = await anthropic(sim, undefined, ask);
    assert.equal(a.status, 401);
    const e = anthropicError(a.text);
    assert.equal(e.type, 'authentication_error');
    assert.match(e.message, /No API key provided/);
    assert.deepEqual(
      sim.log().map((c) => [c.key, c.outcome, c.status]),
      [
        ['', 'auth_missing', 401],
        ['', 'auth_missing', 401],
      ],
    );
  });
});

test('unknown and never-valid keys are 401 invalid_api_key, and the body never holds the full key', async () => {
  const never = 'sk-sim-never-valid-1234';
  const unknown = 'sk-sim-not-listed-5678';
  await withSim({ keys: { [never]: { valid: false } } }, async (sim) => {
    for (const key of [never, unknown]) {
      const o = await openai(sim, key, ask);
      assert.equal(o.status, 401);
      const e = openAiError(o.text);
      assert.equal(e.code, 'invalid_api_key');
      assert.match(e.message, /^Incorrect API key provided: sk-…\d{4}\./);
      assert.ok(!o.text.includes(key), 'the key is masked');
      const a = await anthropic(sim, key, ask);
      assert.equal(a.status, 401);
      assert.equal(anthropicError(a.text).type, 'authentication_error');
    }
    assert.equal(sim.calls(never), 2);
    assert.equal(sim.calls(unknown), 2);
  });
});

test('the * key gives every unlisted key a behaviour', async () => {
  await withSim({ keys: { '*': {}, 'sk-sim-bad': { valid: false } } }, async (sim) => {
    assert.equal((await openai(sim, 'anything-at-all', ask)).status, 200);
    assert.equal((await openai(sim, 'sk-sim-bad', ask)).status, 401);
  });
});

test('a key scoped to one API is rejected on the other; one scoped to models gets 404 on the rest', async () => {
  await withSim(
    { keys: { 'sk-openai-only': { apis: ['openai'] }, 'sk-small-only': { models: ['sim-small'] } } },
    async (sim) => {
      assert.equal((await openai(sim, 'sk-openai-only', ask)).status, 200);
      assert.equal((await anthropic(sim, 'sk-openai-only', ask)).status, 401);
      assert.equal((await openai(sim, 'sk-small-only', { ...ask, model: 'sim-small' })).status, 200);
      const o = await openai(sim, 'sk-small-only', ask);
      assert.equal(o.status, 404);
      assert.equal(openAiError(o.text).code, 'model_not_found');
      const a = await anthropic(sim, 'sk-small-only', ask);
      assert.equal(a.status, 404);
      assert.deepEqual(anthropicError(a.text), { type: 'not_found_error', message: 'model: sim-large' });
    },
  );
});

test('an unknown model is 404 model_not_found', async () => {
  await withSim({ keys: { k: {} } }, async (sim) => {
    const o = await openai(sim, 'k', { ...ask, model: 'gpt-nope' });
    assert.equal(o.status, 404);
    const e = openAiError(o.text);
    assert.equal(e.code, 'model_not_found');
    assert.match(e.message, /The model `gpt-nope` does not exist/);
    assert.deepEqual(sim.log()[0]?.outcome, 'not_found');
  });
});

/** step → [OpenAI status, OpenAI type, OpenAI code, Anthropic status, Anthropic type, outcome] */
const ERROR_STEPS: [string, number, string, unknown, number, string, string][] = [
  ['401', 401, 'invalid_request_error', 'invalid_api_key', 401, 'authentication_error', 'auth'],
  [
    '401_token_invalidated',
    401,
    'invalid_request_error',
    'token_invalidated',
    401,
    'authentication_error',
    'token_invalidated',
  ],
  ['403', 403, 'permission_error', 'permission_denied', 403, 'permission_error', 'forbidden'],
  ['403_server_error', 403, 'server_error', 'server_error', 403, 'api_error', 'server'],
  ['403_region', 403, 'request_forbidden', 'unsupported_country_region_territory', 403, 'forbidden', 'region'],
  ['403_model_access', 403, 'invalid_request_error', 'model_not_found', 404, 'not_found_error', 'model_access'],
  ['402', 402, 'payment_required', 402, 402, 'billing_error', 'quota'],
  ['429', 429, 'requests', 'rate_limit_exceeded', 429, 'rate_limit_error', 'rate_limited'],
  ['429_quota', 429, 'insufficient_quota', 'insufficient_quota', 400, 'invalid_request_error', 'quota'],
  ['500', 500, 'server_error', null, 500, 'api_error', 'server'],
  ['503', 503, 'server_error', 'service_unavailable', 503, 'api_error', 'server'],
  ['529', 529, 'overloaded_error', null, 529, 'overloaded_error', 'overloaded'],
  ['overloaded', 503, 'server_error', null, 529, 'overloaded_error', 'overloaded'],
  [
    'context_length',
    400,
    'invalid_request_error',
    'context_length_exceeded',
    400,
    'invalid_request_error',
    'context_length',
  ],
  ['bad_request', 400, 'invalid_request_error', 'invalid_value', 400, 'invalid_request_error', 'bad_request'],
  ['content_filter', 400, 'invalid_request_error', 'content_filter', 400, 'invalid_request_error', 'content_filter'],
];

test('every scripted HTTP error has the right status and body shape in both APIs', async () => {
  const script = ERROR_STEPS.map(([step]) => step);
  await withSim({ keys: { 'sk-o': { script }, 'sk-a': { script } } }, async (sim) => {
    for (const [step, oStatus, oType, oCode, aStatus, aType, outcome] of ERROR_STEPS) {
      const o = await openai(sim, 'sk-o', ask);
      assert.equal(o.status, oStatus, `${step} (OpenAI)`);
      const oe = openAiError(o.text);
      assert.equal(oe.type, oType, `${step} (OpenAI type)`);
      assert.equal(oe.code, oCode, `${step} (OpenAI code)`);
      const a = await anthropic(sim, 'sk-a', ask);
      assert.equal(a.status, aStatus, `${step} (Anthropic)`);
      assert.equal(anthropicError(a.text, step === '403_region').type, aType, `${step} (Anthropic type)`);
      assert.equal(sim.log().at(-1)?.outcome, outcome, `${step} outcome`);
    }
    // The script is used up: the default behaviour (success) follows.
    assert.equal((await openai(sim, 'sk-o', ask)).status, 200);
  });
});

test("the wording that tells the kinds apart is the real services' wording", async () => {
  const script = [
    '429_quota',
    'context_length',
    'overloaded',
    '401_token_invalidated',
    '403_region',
    '403_model_access',
  ];
  await withSim({ keys: { 'sk-o': { script }, 'sk-a': { script } } }, async (sim) => {
    const o: string[] = [];
    for (const _ of script)
      o.push(openAiError((await openai(sim, 'sk-o', { ...ask, model: 'sim-small' })).text).message);
    assert.match(o[0]!, /exceeded your current quota/);
    assert.match(o[1]!, /maximum context length is 8000 tokens/);
    assert.match(o[2]!, /overloaded/);
    assert.match(o[3]!, /token has been invalidated/);
    assert.equal(o[4], 'Country, region, or territory not supported');
    assert.equal(o[5], 'Project `proj_sim` does not have access to model `sim-small`');
    const a: string[] = [];
    for (const step of script)
      a.push(
        anthropicError((await anthropic(sim, 'sk-a', { ...ask, model: 'sim-small' })).text, step === '403_region')
          .message,
      );
    assert.match(a[0]!, /credit balance is too low/);
    assert.match(a[1]!, /prompt is too long: \d+ tokens > 8000 maximum/);
    assert.equal(a[2], 'Overloaded');
    assert.equal(a[4], 'Request not allowed');
  });
});

test('502 is an HTML page from a proxy, whatever the API', async () => {
  await withSim({ keys: { k: { script: ['502', '502'] } } }, async (sim) => {
    for (const r of [await openai(sim, 'k', ask), await anthropic(sim, 'k', ask)]) {
      assert.equal(r.status, 502);
      assert.match(r.headers.get('content-type') ?? '', /text\/html/);
      assert.match(r.text, /<h1>502 Bad Gateway<\/h1>/);
    }
  });
});

test('quota keys: openai → 429 insufficient_quota (Anthropic: 400 credit balance); payment → 402', async () => {
  await withSim({ keys: { 'sk-q': { quota: 'openai' }, 'sk-p': { quota: 'payment' } } }, async (sim) => {
    const o = await openai(sim, 'sk-q', ask);
    assert.equal(o.status, 429);
    assert.equal(openAiError(o.text).code, 'insufficient_quota');
    assert.equal((await anthropic(sim, 'sk-q', ask)).status, 400);
    const p = await openai(sim, 'sk-p', ask);
    assert.equal(p.status, 402);
    assert.match(openAiError(p.text).message, /Insufficient credits/);
    assert.equal((await anthropic(sim, 'sk-p', ask)).status, 402);
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['quota', 'quota', 'quota', 'quota'],
    );
  });
});

test("a prompt larger than the model's context window gets the context-length error", async () => {
  await withSim({ models: { tiny: { context_window: 10 } }, keys: { k: {} } }, async (sim) => {
    const o = await openai(sim, 'k', { model: 'tiny', messages: [userMessage('x'.repeat(400))] });
    assert.equal(o.status, 400);
    const e = openAiError(o.text);
    assert.equal(e.code, 'context_length_exceeded');
    assert.match(e.message, /maximum context length is 10 tokens\. However, your messages resulted in 100 tokens/);
    assert.equal((await openai(sim, 'k', { model: 'tiny', messages: [userMessage('short')] })).status, 200);
  });
});
