// The chat lane serves the plain chat requests without fastify (src/gateway/server/chat-lane.ts); anything else is
// fastify's, a content type the lane does not know by heart among it (`charset=UTF-8`, upper case). So each request
// below is sent twice, once with each content type, and the two answers and request lines must match in everything
// but their ids and times: the lane answers as fastify's route does, refusals included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, type Harness } from '../harness.ts';
import { until } from '../../helpers/until.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { 'sk-sim-good-lane-00000001': {}, 'sk-ant-good-lane-0000001': {} } },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-lane-00000001'),
        ant: simProvider(sim, 'anthropic', 'sk-ant-good-lane-0000001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      gateway: { body_limit: 8 * 1024 },
      guard: { secrets: 'block' },
    }),
  });
});
after(() => h.close());

type Shape = 'openai' | 'anthropic' | 'responses';

/** Claude Code's path carries a query, which no chat route reads. */
const PATH: Record<Shape, string> = {
  openai: '/v1/chat/completions',
  anthropic: '/v1/messages?beta=true',
  responses: '/v1/responses',
};
const MODEL: Record<Shape, string> = { openai: 'main', anthropic: 'ant/sim-large', responses: 'main' };
const HELLO = [{ role: 'user', content: 'hi' }];

/** What a caller sees of an answer, less what differs between any two requests. */
interface Seen {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

const COMPARED_HEADERS = [
  'content-type',
  'x-switchyard-route',
  'x-switchyard-attempts',
  'x-switchyard-usage',
  'x-should-retry',
  'retry-after',
  'connection',
];

/** Ids and clocks: set anew on every answer. */
const VOLATILE = new Set(['id', 'created', 'created_at', 'completed_at', 'request_id']);

function steady(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(steady);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !VOLATILE.has(k))
      .map(([k, v]) => [k, steady(v)]),
  );
}

async function seen(res: Response): Promise<Seen> {
  const text = await res.text();
  const headers: Record<string, string | null> = {};
  for (const name of COMPARED_HEADERS) headers[name] = res.headers.get(name);
  // Its value is the request's id: only whether it is there is the same.
  headers['x-request-id'] = res.headers.get('x-request-id') === null ? null : 'set';
  headers['request-id'] = res.headers.get('request-id') === null ? null : 'set';
  headers['x-switchyard-credential'] = res.headers.get('x-switchyard-credential') === null ? null : 'set';
  let body: unknown = text;
  try {
    body = steady(JSON.parse(text));
  } catch {
    // Not JSON: compared as it came.
  }
  return { status: res.status, headers, body };
}

interface Sent {
  body: string;
  key?: string | null;
}

/** `routed`: sent so that fastify serves it. */
function send(shape: Shape, sent: Sent, routed: boolean): Promise<Response> {
  const key = sent.key === undefined ? h.key : sent.key;
  const headers: Record<string, string> = {
    'content-type': routed ? 'application/json; charset=UTF-8' : 'application/json',
  };
  if (key !== null)
    headers[shape === 'openai' ? 'authorization' : 'x-api-key'] = shape === 'openai' ? `Bearer ${key}` : key;
  if (shape === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  return fetch(`${h.url}${PATH[shape]}`, { method: 'POST', headers, body: sent.body });
}

/** The shape's usual body, with `over`'s fields set (or taken out, as `undefined`). */
function json(shape: Shape, over: Record<string, unknown>): string {
  const base: Record<string, unknown> =
    shape === 'responses'
      ? { model: MODEL[shape], input: 'hi' }
      : { model: MODEL[shape], messages: HELLO, ...(shape === 'anthropic' ? { max_tokens: 16 } : {}) };
  return JSON.stringify({ ...base, ...over });
}

/** Requests of every kind the lane takes: answered, and refused at each step (key, body, schema, model, guard). */
function requests(shape: Shape): Record<string, Sent> {
  return {
    answered: { body: json(shape, {}) },
    'no key': { body: json(shape, {}), key: null },
    'a key the gateway did not issue': { body: json(shape, {}), key: 'sy-not-a-key-of-this-gateway' },
    'not JSON': { body: '{"model":"main","messages":[' },
    empty: { body: '' },
    'JSON null': { body: 'null' },
    'an array': { body: '[]' },
    'no model': { body: json(shape, { model: undefined }) },
    'an empty model': { body: json(shape, { model: '' }) },
    'a model that is a number': { body: json(shape, { model: 5 }) },
    'a model of 600 characters': { body: json(shape, { model: 'm'.repeat(600) }) },
    // 300 code points in 600 UTF-16 units: within the schema's 512, which counts code points.
    'a model of 300 emoji': { body: json(shape, { model: '😀'.repeat(300) }) },
    'an unknown model': { body: json(shape, { model: 'no-such-model' }) },
    'no messages': { body: json(shape, { messages: undefined }) },
    'no message': { body: json(shape, { messages: [] }) },
    'a message that is a number': { body: json(shape, { messages: [1] }) },
    'a message without a role': { body: json(shape, { messages: [{ content: 'hi' }] }) },
    'a role that is a number': { body: json(shape, { messages: [{ role: 5, content: 'hi' }] }) },
    'stream as a string': { body: json(shape, { stream: 'yes' }) },
    'max_tokens 0': { body: json(shape, { max_tokens: 0 }) },
    'max_tokens 1.5': { body: json(shape, { max_tokens: 1.5 }) },
    'a Responses body': { body: JSON.stringify({ model: MODEL[shape], input: 'hi' }) },
    'no input': { body: json(shape, { input: undefined }) },
    'input and messages': { body: json(shape, { input: 'hi', messages: HELLO }) },
    'over the body limit': { body: json(shape, { messages: [{ role: 'user', content: 'x'.repeat(9000) }] }) },
    'a secret the guard blocks': {
      body: json(shape, { messages: [{ role: 'user', content: 'my key is AKIAQ3EGZJ5XMPLW7TR4 ok' }] }),
    },
  };
}

for (const shape of ['openai', 'anthropic', 'responses'] as const)
  test(`${shape}: the lane answers every kind of request as fastify's route does, refusals included`, async () => {
    for (const [name, sent] of Object.entries(requests(shape))) {
      const lane = await seen(await send(shape, sent, false));
      const routed = await seen(await send(shape, sent, true));
      assert.deepEqual(lane, routed, `${shape}, ${name}`);
    }
  });

/** A request line's fields, less its id and times. */
function lineOf(requestId: string): Record<string, unknown> | undefined {
  const line = h.logs.find((l) => l.includes(`"req_id":"${requestId}"`));
  if (line === undefined) return undefined;
  const fields = JSON.parse(line) as Record<string, unknown>;
  for (const k of ['req_id', 'ms', 'time', 'upstream_ms', 'pid', 'hostname']) delete fields[k];
  return fields;
}

test("the lane's requests are logged as fastify's are, answered or refused", async () => {
  for (const shape of ['openai', 'anthropic', 'responses'] as const)
    for (const name of ['answered', 'no key', 'no messages', 'an unknown model', 'a secret the guard blocks']) {
      const sent = requests(shape)[name]!;
      const ids: string[] = [];
      for (const routed of [false, true]) {
        const res = await send(shape, sent, routed);
        await res.text();
        ids.push(res.headers.get('x-request-id')!);
      }
      await until(`the lines of ${shape}, ${name}`, () => ids.every((id) => lineOf(id) !== undefined));
      const [lane, routed] = ids.map(lineOf);
      // The upstream's `upstream` entries carry no time: compared whole.
      assert.deepEqual(lane, routed, `${shape}, ${name}`);
    }
});
