// The request body is parsed once by JSON.parse, with no whole-body scan for `__proto__` or `constructor` keys: such a
// key is an own property of what JSON.parse returns, so what must hold is that no place copying a caller's keys into
// an object of ours lets one reach a prototype (providers/translate/obj.ts `setKey`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { 'sk-sim-good-jsonbody-0001': {}, 'sk-ant-good-jsonbody-001': {} } },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-jsonbody-0001'),
        ant: simProvider(sim, 'anthropic', 'sk-ant-good-jsonbody-001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
    }),
  });
});
after(() => h.close());

const CLAUDE = 'ant/sim-large';

/** Keys that would reach a prototype if copied by assignment. */
const HOSTILE = '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}';

function post(body: string, path = '/v1/chat/completions'): Promise<Response> {
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}`, 'x-api-key': h.key },
    body,
  });
}

function assertUnpolluted(): void {
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype was not written');
  assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
}

test('__proto__ and constructor.prototype keys anywhere in a body reach no prototype, same shape or across', async () => {
  // A tool schema whose properties and branches hold the keys: an Anthropic route merges and rewrites those schemas.
  const schema = `{"type":"object","properties":{${HOSTILE},"path":{"type":"string"}},"anyOf":[{"properties":{${HOSTILE}}}]}`;
  const tools = `[{"type":"function","function":{"name":"read","parameters":${schema}}}]`;
  const format = `{"type":"json_schema","json_schema":{"name":"out","schema":${schema}}}`;
  const message = `{"role":"user","content":"hi",${HOSTILE}}`;
  for (const model of ['main', CLAUDE]) {
    const res = await post(`{${HOSTILE},"model":"${model}","messages":[${message}],"tools":${tools}}`);
    assert.equal(res.status, 200, `${model}: ${await res.clone().text()}`);
    await res.text();
    assertUnpolluted();
    const structured = await post(`{"model":"${model}","messages":[${message}],"response_format":${format}}`);
    assert.equal(structured.status, 200, `${model}: ${await structured.clone().text()}`);
    await structured.text();
    assertUnpolluted();
  }
  const anthropic = await post(
    `{${HOSTILE},"model":"${CLAUDE}","max_tokens":20,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"read","input_schema":${schema}}]}`,
    '/v1/messages',
  );
  assert.equal(anthropic.status, 200, await anthropic.clone().text());
  await anthropic.text();
  const responses = await post(
    `{${HOSTILE},"model":"main","input":"hi","tools":[{"type":"function","name":"read","parameters":${schema}}]}`,
    '/v1/responses',
  );
  assert.equal(responses.status, 200, await responses.clone().text());
  await responses.text();
  assertUnpolluted();
});

test('a body that does not parse is refused saying where; an empty one saying it is empty; a BOM is taken off', async () => {
  const broken = await post('{"model":"main","messages":[{"role":"user","content":"hi"}]');
  assert.equal(broken.status, 400);
  assert.match(
    ((await broken.json()) as { error: { message: string } }).error.message,
    /ends before the JSON is complete/,
  );
  const wrong = await post('{"model":"main","messages":[{"role":"user" "content":"hi"}]}');
  assert.equal(wrong.status, 400);
  assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /position 43/);
  const empty = await post('');
  assert.equal(empty.status, 400);
  assert.match(((await empty.json()) as { error: { message: string } }).error.message, /request body is empty/);
  const bom = await post('\ufeff{"model":"main","messages":[{"role":"user","content":"hi"}]}');
  assert.equal(bom.status, 200, await bom.clone().text());
  await bom.text();
});
