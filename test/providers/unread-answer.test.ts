// A 200 an adapter cannot read as an answer (providers/http.ts `unreadAnswer`): an error object in it, as some
// compatible servers and proxies send, fails as that error says; anything else is a `server` failure naming what
// the answer lacked. Over a loopback upstream that answers the body each case writes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { openaiAdapter } from '../../src/providers/openai/adapter.ts';
import { anthropicAdapter } from '../../src/providers/anthropic/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import type { ChatRequest, ProviderAdapter, SendContext } from '../../src/providers/types.ts';

after(closePools);

/** A loopback upstream answering every call 200 with `body`. */
async function answering(body: unknown): Promise<{ url: string } & AsyncDisposable> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const close = (): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}`, [Symbol.asyncDispose]: close };
}

const hello: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

/** Each API's send: its base URL under the upstream's, the request, what its error object in a 200 looks like, and
 * what its failure says a 200 without an answer lacked. */
const SHAPES: {
  name: string;
  adapter: ProviderAdapter;
  base: (url: string) => string;
  req: ChatRequest;
  ctx?: Partial<SendContext>;
  error: unknown;
  lacked: string;
}[] = [
  {
    name: 'OpenAI chat completions',
    adapter: openaiAdapter,
    base: (url) => `${url}/v1`,
    req: hello,
    error: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } },
    lacked: 'answer had no choices',
  },
  {
    name: 'Anthropic messages',
    adapter: anthropicAdapter,
    base: (url) => url,
    req: hello,
    error: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
    lacked: 'answer was not a message',
  },
  {
    name: "OpenAI's Responses API",
    adapter: openaiAdapter,
    base: (url) => `${url}/v1`,
    req: { ...hello, responses_body: { model: 'm', input: 'hi' } },
    ctx: { responsesApi: true },
    error: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } },
    lacked: 'answer was not a Responses API response object',
  },
];

async function failureOf(s: (typeof SHAPES)[number], body: unknown): Promise<UpstreamError> {
  await using up = await answering(body);
  const ctx: SendContext = {
    provider: 'p',
    baseUrl: s.base(up.url),
    apiKey: 'sk-test-0000000000000000',
    headers: {},
    timeoutMs: 10_000,
    ...s.ctx,
  };
  const err = await s.adapter.send(s.req, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(UpstreamError.isInstance(err), `${s.name}: expected an UpstreamError, got ${String(err)}`);
  return err;
}

for (const s of SHAPES) {
  test(`${s.name}: an error object in a 200 fails as the error says`, async () => {
    const err = await failureOf(s, s.error);
    assert.equal(err.kind, 'auth_rejected', `${s.name}: ${err.message}`);
  });

  test(`${s.name}: a 200 with no answer and no error is a server failure saying what it lacked`, async () => {
    const err = await failureOf(s, { id: 'x' });
    assert.equal(err.kind, 'server');
    assert.equal(err.code, 'invalid_response');
    assert.equal(err.providerMessage, s.lacked);
  });
}
