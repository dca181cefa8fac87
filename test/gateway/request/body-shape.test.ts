// The chat lane's body check (src/gateway/request/body-shape.ts) against the route schemas compiled as fastify compiles
// them: the look by hand passes no body the schema refuses, and the check's verdict is the schema's, body by body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AjvCompiler } from '@fastify/ajv-compiler';
import {
  AJV_OPTIONS,
  bodyCheck,
  chatFits,
  messagesFits,
  plainlyFits,
  responsesFits,
} from '../../../src/gateway/request/body-shape.ts';
import { openaiBodySchema } from '../../../src/gateway/routes/chat-completions.ts';
import { anthropicBodySchema } from '../../../src/gateway/routes/messages.ts';
import { responsesBodySchema } from '../../../src/gateway/routes/responses.ts';

const HI = [{ role: 'user', content: 'hi' }];

/** Bodies at each edge of the schemas: the fields they check, each way. */
const BODIES: unknown[] = [
  null,
  5,
  'text',
  [],
  [{ model: 'm', messages: HI }],
  {},
  { model: 'm' },
  { model: 'm', messages: HI },
  { model: 'm', messages: HI, max_tokens: 16 },
  { model: '', messages: HI },
  { model: 5, messages: HI },
  { model: null, messages: HI },
  { model: 'm'.repeat(512), messages: HI },
  { model: 'm'.repeat(513), messages: HI },
  { model: '😀'.repeat(300), messages: HI },
  { model: '😀'.repeat(513), messages: HI },
  { model: 'm', messages: [] },
  { model: 'm', messages: {} },
  { model: 'm', messages: null },
  { model: 'm', messages: [null] },
  { model: 'm', messages: [[]] },
  { model: 'm', messages: [1] },
  { model: 'm', messages: [{}] },
  { model: 'm', messages: [{ role: null }] },
  { model: 'm', messages: [{ role: 5 }] },
  { model: 'm', messages: [{ role: 'user' }, { content: 'no role' }] },
  { model: 'm', messages: HI, stream: true },
  { model: 'm', messages: HI, stream: 'true' },
  { model: 'm', messages: HI, stream: null },
  { model: 'm', messages: HI, max_tokens: 0 },
  { model: 'm', messages: HI, max_tokens: -1 },
  { model: 'm', messages: HI, max_tokens: 1.5 },
  { model: 'm', messages: HI, max_tokens: '16' },
  { model: 'm', messages: HI, max_tokens: null },
  { model: 'm', messages: HI, max_tokens: 1e21 },
  { model: 'm', input: 'hi' },
  { model: 'm', input: null },
  { model: 'm', input: 'hi', messages: [] },
  { model: 'm', input: 'hi', messages: HI },
  { model: 'm', input: 'hi', stream: 'yes' },
  { model: '', input: 'hi' },
  { model: 'm', input: [{ role: 'user', content: 'hi' }], stream: true },
  { input: 'hi' },
];

for (const [route, fits, schema] of [
  ['/v1/chat/completions', chatFits, openaiBodySchema],
  ['/v1/messages', messagesFits, anthropicBodySchema],
  ['/v1/responses', responsesFits, responsesBodySchema],
] as const)
  test(`${route}: a body passes the lane's check exactly when it passes the route's schema`, () => {
    const validate = AjvCompiler()({}, AJV_OPTIONS)({ schema }) as (body: unknown) => boolean;
    const check = bodyCheck(fits, schema);
    for (const body of BODIES) {
      const valid = validate(structuredClone(body));
      const shown = JSON.stringify(body).slice(0, 80);
      if (plainlyFits(fits, body)) assert.ok(valid, `${shown}: passed by hand, refused by the schema`);
      assert.equal(check(body) === undefined, valid, shown);
    }
  });

test("a refusal carries the schema's issues, as fastify's validation error does", () => {
  const err = bodyCheck(chatFits, openaiBodySchema)({ model: 'm', messages: [] }) as Error & {
    validation?: { instancePath: string; message: string }[];
    statusCode?: number;
  };
  assert.equal(err.statusCode, 400);
  assert.equal(err.validation?.[0]?.instancePath, '/messages');
  assert.equal(err.message, 'body/messages must NOT have fewer than 1 items');
});
