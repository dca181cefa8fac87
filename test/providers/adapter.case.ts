// The adapter conformance suite: every ProviderAdapter runs the same checks against the real simulator over
// loopback (like Hono's common.case.test.ts). Each adapter file calls runAdapterConformance() with its factory,
// how to build its base_url from the simulator URL, and a skip list that says why a check does not apply.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { startSimulator } from '../../src/sim/server.ts';
import { DEFAULT_MODELS } from '../../src/sim/scenario.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import type { ErrorKind } from '../../src/errors/kinds.ts';
import type { ChatRequest, ProviderAdapter, SendContext, StreamEvent } from '../../src/providers/types.ts';
import { isPushable } from '../../src/providers/event-sink.ts';
import { assertBlocks } from '../helpers/stream-blocks.ts';

export const CHECKS = [
  'send',
  'stream',
  'tools',
  'tool results',
  'stream tools',
  'errors classified',
  'stream errors before first event',
  'error after deltas',
  'stream pushed',
  'error after deltas pushed',
  'cut mid-stream',
  'cut mid-answer',
  'connection refused',
  'timeout',
  'idle stream timeout',
  'caller abort',
  'models',
  'no secret in errors',
  'no secret in garbage',
  'no config secret in echoed errors',
  'stream answered whole',
  'images',
  'settings',
  'failed tool results',
  'strict tools',
  'sampling a recent model takes',
  'base url with a query',
] as const;
export type Check = (typeof CHECKS)[number];

export interface ConformanceOptions {
  name: string;
  adapter: () => ProviderAdapter;
  /** OpenAI base_url is `${sim}/v1`, Anthropic's is the simulator URL itself. */
  baseUrl: (simUrl: string) => string;
  /** Checks that do not apply, each with its reason. */
  skip?: Partial<Record<Check, string>>;
  /** Where the request's settings land in this API: fields that must be sent (the one carrying `user` among them),
   * and fields that must not. */
  settingFields: { sent: string[]; absent: string[] };
  /** Whether the request body sent upstream tells the model that its (only) tool result is a failure. */
  marksFailedTool: (body: Record<string, unknown>) => boolean;
  /** Whether a tool's `strict` goes upstream (OpenAI's strict mode) or stays out. */
  strictTools: 'sent' | 'left out';
  /** Which fields carry temperature 0.7, top_p 0.9 and stop ["\n", "END"] to `claude-sonnet-4-5`, which the
   * Anthropic API refuses both samplers and a whitespace-only stop sequence for, and which stay out. */
  recentModelSampling: { sent: string[]; absent: string[] };
  /** What the provider's config adds to every call (Azure's `api_version`). */
  context?: Partial<SendContext>;
  /** The API refuses a prompt its filters block with a 200 that holds no answer (Gemini's `promptFeedback`), not with
   * an HTTP error: the content_filter failure then has no status. */
  filterBlocksIn200?: true;
  /** Each key is an AWS access key id with a secret (Bedrock): the adapter is given `KEY:KEY-secret`, and the
   * simulator checks each request's SigV4 signature with that secret. */
  awsSigned?: true;
  /** A base URL with the API's path already on it and a query (default `${base}/v1?team=t1`). */
  baseWithQuery?: (simUrl: string) => string;
}

const GOOD = 'sk-sim-good-000000000000a1b2';
const SECRET_BAD = 'sk-sim-never-valid-00000000c3d4';

/** One key per scripted outcome, so checks never share state. */
const SCRIPTED: Record<string, string> = {
  '500': 'sk-sim-s500-0000000000000001',
  '529': 'sk-sim-s529-0000000000000002',
  '403_server_error': 'sk-sim-s403-000000000000003',
  '402': 'sk-sim-s402-0000000000000004',
  context_length: 'sk-sim-ctx-00000000000000005',
  content_filter: 'sk-sim-cf-000000000000000006',
  bad_request: 'sk-sim-br-000000000000000007',
  stream_error: 'sk-sim-se-000000000000000008',
  stream_error_first: 'sk-sim-sef-00000000000000009',
  cut: 'sk-sim-cut-00000000000000010',
  timeout: 'sk-sim-tmo-00000000000000011',
  stall: 'sk-sim-stl-00000000000000012',
  reset: 'sk-sim-rst-00000000000000013',
  ok: 'sk-sim-ok-000000000000000014',
};

function scenario(awsSigned = false): Record<string, unknown> {
  const keys: Record<string, Record<string, unknown>> = {
    [GOOD]: {},
    [SECRET_BAD]: { valid: false },
    'sk-sim-quota-00000000000015': { quota: true },
    'sk-sim-ratelimited-000000016': { rate_limit_after: 0, reset: '30s', reset_headers: ['retry-after'] },
  };
  for (const [step, key] of Object.entries(SCRIPTED)) keys[key] = { script: [step], loop_script: true };
  if (awsSigned) for (const [key, behaviour] of Object.entries(keys)) behaviour['aws_secret'] = `${key}-secret`;
  return { seed: 7, keys, models: { ...DEFAULT_MODELS, 'claude-sonnet-4-5': { context_window: 200_000 } } };
}

const hello: ChatRequest = {
  model: 'sim-large',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello there' },
  ],
};
const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

async function drain(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Pulls the first event, then has the rest pushed (as the gateway's writer does): every event and how it ended. A
 * sink that says it is full on its first pushed event is resumed a tick later, so the pause is exercised too. */
async function drainPushed(
  events: AsyncIterable<StreamEvent>,
  opts: { fullOnce?: boolean } = {},
): Promise<{ events: StreamEvent[]; error: unknown; ended: boolean }> {
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  assert.ok(isPushable(it), "an adapter's stream can be pushed");
  const out: StreamEvent[] = first.done ? [] : [first.value];
  return new Promise((resolve) => {
    let full = opts.fullOnce === true;
    let settled = 0;
    const control = it.pushTo({
      event: (e) => {
        out.push(e);
        if (!full) return true;
        full = false;
        setImmediate(() => control.resume());
        return false;
      },
      end: () => {
        settled++;
        setImmediate(() => resolve({ events: out, error: undefined, ended: settled === 1 }));
      },
      fail: (error) => {
        settled++;
        setImmediate(() => resolve({ events: out, error, ended: settled === 1 }));
      },
    });
  });
}

/** Collects events until the stream throws; returns both. */
async function drainUntilError(events: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error: unknown }> {
  const out: StreamEvent[] = [];
  try {
    for await (const e of events) out.push(e);
  } catch (error) {
    return { events: out, error };
  }
  return { events: out, error: undefined };
}

function assertKind(err: unknown, kind: ErrorKind, midStream?: boolean): UpstreamError {
  assert.ok(UpstreamError.isInstance(err), `expected an UpstreamError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  if (midStream !== undefined) assert.equal(err.midStream, midStream, `midStream for ${err.message}`);
  return err;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `await using up = await rawUpstream(…)` closes it when the test's scope ends. */
interface Upstream extends AsyncDisposable {
  url: string;
  close: () => Promise<void>;
}

/** A loopback upstream whose answer the test writes: (request body, the key header) → status, content type, body. */
async function rawUpstream(answer: (body: string, key: string) => { type: string; body: string }): Promise<Upstream> {
  const server: Server = createHttpServer((req, res) => {
    const key = String(req.headers['x-api-key'] ?? req.headers['api-key'] ?? req.headers.authorization ?? '');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const a = answer(body, key);
      res.writeHead(200, { 'content-type': a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = (): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}

/** One answer every adapter reads: the fields of a chat completion, an Anthropic message and a Gemini answer side
 * by side. */
const EITHER_ANSWER = JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP' }],
  output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
  stopReason: 'end_turn',
  id: 'both',
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  type: 'message',
  role: 'assistant',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
});

/** A loopback upstream that answers every call with EITHER_ANSWER and keeps the request bodies it was sent. */
async function recordingUpstream(): Promise<Upstream & { bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const up = await rawUpstream((body) => {
    bodies.push(JSON.parse(body) as Record<string, unknown>);
    return { type: 'application/json', body: EITHER_ANSWER };
  });
  return { ...up, bodies };
}

/** 200 with garbage that quotes the key it was sent (as a misbehaving proxy might): an HTML page, or — for a
 * stream — events whose data is not JSON. */
const keyEchoingUpstream = (): ReturnType<typeof rawUpstream> =>
  rawUpstream((body, key) =>
    body.includes('"stream":true')
      ? {
          type: 'text/event-stream',
          body: `event: message_start\ndata: {not json, sent with ${key}}\n\ndata: {not json, sent with ${key}}\n\n`,
        }
      : {
          type: 'text/html',
          body: `<html><body>proxy saw ${key} and the plain secret ${key.replace(/^Bearer /, '')}</body></html>`,
        },
  );

/** Secrets a call carries beside its key (docs/credentials.md): headers a proxy or AI gateway takes, and a base URL's user-info
 * and query. Not key-shaped on purpose, so only exact scrubbing can catch them. */
const PLANTED = {
  key: 'plain-key-secret-0042',
  headers: {
    'Helicone-Auth': 'Bearer hel-HEADERSECRET-abcdef',
    'cf-aig-authorization': 'Bearer CFSECRET987654',
    'X-Custom-Auth': 'custom-auth-SECRET-1234',
  },
  query: '?api-key=QUERYSECRET123456&sig=SIGSECRET7777',
  userinfo: 'user:basepass1234@',
  /** In the upstream's message only: a credential we never sent, in a URL's query. */
  foreign: 'PROXYTOKEN99887',
};
const PLANTED_SECRETS = [
  'plain-key-secret-0042',
  'hel-HEADERSECRET-abcdef',
  'CFSECRET987654',
  'custom-auth-SECRET-1234',
  'QUERYSECRET123456',
  'SIGSECRET7777',
  'basepass1234',
  'PROXYTOKEN99887',
];
/** Request headers an echo leaves out: noise that would push the planted ones past the message's length limit. */
const ECHO_NOISE = new Set([
  'host',
  'connection',
  'content-length',
  'content-type',
  'accept',
  'accept-encoding',
  'anthropic-version',
]);

/** An upstream that repeats the request (its URL and headers) in its error, as some proxies and gateways do: a 400
 * (`please-400`), a 500 (`please-500`), or a 200 stream whose first event is an error. */
async function requestEchoingUpstream(): Promise<Upstream> {
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const headers = Object.entries(req.headers)
        .filter(([k]) => !ECHO_NOISE.has(k))
        .map(([k, v]) => `${k}=${String(v)}`);
      const echo = `via https://proxy.internal/cb?access_token=${PLANTED.foreign} url=${req.url ?? ''} ${headers.join(' ')}`;
      const error = JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: echo } });
      if (body.includes('please-500')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(echo);
      } else if (body.includes('"stream":true') && !body.includes('please-400')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`event: error\ndata: ${error}\n\n`);
      } else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(error);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = (): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://${PLANTED.userinfo}127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}

export function runAdapterConformance(o: ConformanceOptions): void {
  describe(`adapter conformance: ${o.name}`, () => {
    let sim: RunningSimulator;
    const adapter = o.adapter();
    const ctx = (apiKey: string, extra: Partial<SendContext> = {}): SendContext => ({
      provider: 'simprov',
      baseUrl: o.baseUrl(sim.url),
      apiKey: o.awsSigned === true && apiKey !== '' ? `${apiKey}:${apiKey}-secret` : apiKey,
      headers: {},
      timeoutMs: 10_000,
      ...o.context,
      ...extra,
    });
    const check = (name: Check, fn: () => Promise<void>): void => {
      const reason = o.skip?.[name];
      if (reason !== undefined) test(name, { skip: reason }, () => undefined);
      else test(name, fn);
    };

    before(async () => {
      sim = await startSimulator({ scenario: scenario(o.awsSigned === true) });
    });
    after(async () => {
      await sim.close();
    });

    check('send', async () => {
      const res = await adapter.send(hello, ctx(GOOD));
      assert.match(res.content, /hello there/);
      assert.equal(res.finish_reason, 'stop');
      assert.deepEqual(res.tool_calls, []);
      assert.ok(res.usage && res.usage.input_tokens > 0 && res.usage.output_tokens > 0);
      assert.ok(res.id.length > 0);
      const capped = await adapter.send({ ...hello, max_tokens: 1 }, ctx(GOOD));
      assert.equal(capped.finish_reason, 'length');
    });

    check('base url with a query', async () => {
      // A base URL ending in /v1 and carrying a query (a proxy's `?team=…`, Azure's `?api-version=…`): the query is
      // kept and the /v1 is not doubled (the Anthropic adapter did not see the /v1 behind the query).
      const base = o.baseWithQuery?.(sim.url) ?? `${o.baseUrl(sim.url).replace(/\/v1$/, '')}/v1?team=t1`;
      const res = await adapter.send(hello, ctx(GOOD, { baseUrl: base }));
      assert.match(res.content, /hello there/);
    });

    check('stream', async () => {
      const events = await drain(adapter.stream(hello, ctx(GOOD)));
      assert.equal(events[0]?.type, 'start');
      const text = events.map((e) => (e.type === 'text' ? e.text : '')).join('');
      assert.match(text, /hello there/);
      const last = events.at(-1);
      assert.equal(last?.type, 'finish');
      assert.ok(last?.type === 'finish' && last.finish_reason === 'stop');
      assert.ok(last?.type === 'finish' && last.usage && last.usage.output_tokens > 0);
      assertBlocks(events);
    });

    check('images', async () => {
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
      const parts = [
        { type: 'text' as const, text: 'look at these' },
        { type: 'image' as const, url: `data:image/png;base64,${png}` },
        { type: 'image' as const, url: 'https://example.com/b.jpg' },
      ];
      const req: ChatRequest = { model: 'sim-large', messages: [{ role: 'user', content: 'look at these', parts }] };
      assert.match((await adapter.send(req, ctx(GOOD))).content, /reply to: look at these \[2 images\]/);
      const text = (await drain(adapter.stream(req, ctx(GOOD)))).map((e) => (e.type === 'text' ? e.text : '')).join('');
      assert.match(text, /\[2 images\]/);
    });

    check('settings', async () => {
      // Every setting goes out as this provider type spells it (or stays out): the simulator records the fields.
      // JSON mode needs the word "json" in the messages (OpenAI refuses it otherwise).
      const asJson: ChatRequest = {
        ...hello,
        messages: [...hello.messages, { role: 'user', content: 'answer in json' }],
      };
      await adapter.send(
        {
          ...asJson,
          user: 'u-1',
          seed: 3,
          top_k: 4,
          response_format: { type: 'json_object' },
          logit_bias: { '50256': -100 },
          prompt_cache_key: 'conv-1',
        },
        ctx(GOOD),
      );
      const fields = sim.log().at(-1)?.fields ?? [];
      for (const f of o.settingFields.sent) assert.ok(fields.includes(f), `${f} in ${fields.join(',')}`);
      for (const f of o.settingFields.absent) assert.ok(!fields.includes(f), `${f} must stay out: ${fields.join(',')}`);
    });

    check('sampling a recent model takes', async () => {
      // An OpenAI SDK's usual pair (and a newline stop) sent to a model that would refuse them as they came: answered.
      const req: ChatRequest = {
        ...hello,
        model: 'claude-sonnet-4-5',
        temperature: 0.7,
        top_p: 0.9,
        stop: ['\n', 'END'],
      };
      await adapter.send(req, ctx(GOOD));
      const fields = sim.log().at(-1)?.fields ?? [];
      for (const f of o.recentModelSampling.sent) assert.ok(fields.includes(f), `${f} in ${fields.join(',')}`);
      for (const f of o.recentModelSampling.absent)
        assert.ok(!fields.includes(f), `${f} must stay out: ${fields.join(',')}`);
      const events = await drain(adapter.stream(req, ctx(GOOD)));
      assert.equal(events.at(-1)?.type, 'finish');
    });

    check('failed tool results', async () => {
      await using up = await recordingUpstream();
      const at = { ...ctx(GOOD), baseUrl: o.baseUrl(up.url) };
      const turn = (isError: boolean): ChatRequest => ({
        model: 'sim-large',
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'please call get_weather for Paris' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          },
          {
            role: 'tool',
            tool_call_id: 'call_1',
            content: 'weather service unreachable',
            ...(isError ? { is_error: true } : {}),
          },
        ],
      });
      await adapter.send(turn(true), at);
      await adapter.send(turn(false), at);
      assert.equal(o.marksFailedTool(up.bodies[0]!), true, JSON.stringify(up.bodies[0]));
      assert.equal(o.marksFailedTool(up.bodies[1]!), false, JSON.stringify(up.bodies[1]));
    });

    check('strict tools', async () => {
      await using up = await recordingUpstream();
      const tools = [
        { ...weatherTool, strict: true },
        { ...weatherTool, name: 'get_time', strict: false },
        { ...weatherTool, name: 'get_date' },
      ];
      await adapter.send({ ...hello, tools }, { ...ctx(GOOD), baseUrl: o.baseUrl(up.url) });
      // OpenAI nests the definition under `function`; Anthropic's tools are flat.
      const sent = (up.bodies[0]?.['tools'] as Record<string, unknown>[]).map(
        (t) => ((t['function'] ?? t) as { strict?: boolean }).strict,
      );
      assert.deepEqual(sent, o.strictTools === 'sent' ? [true, false, undefined] : [undefined, undefined, undefined]);
    });

    check('tools', async () => {
      const res = await adapter.send(
        {
          model: 'sim-large',
          messages: [{ role: 'user', content: 'please call get_weather for Paris' }],
          tools: [weatherTool],
        },
        ctx(GOOD),
      );
      assert.equal(res.finish_reason, 'tool_calls');
      assert.equal(res.tool_calls.length, 1);
      assert.equal(res.tool_calls[0]?.name, 'get_weather');
      assert.equal(typeof JSON.parse(res.tool_calls[0]?.arguments ?? 'null'), 'object');
    });

    check('tool results', async () => {
      const res = await adapter.send(
        {
          model: 'sim-large',
          tools: [weatherTool],
          messages: [
            { role: 'user', content: 'please call get_weather for Paris' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
            },
            { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' },
          ],
        },
        ctx(GOOD),
      );
      assert.equal(res.finish_reason, 'stop');
      assert.match(res.content, /sunny, 21C/);
    });

    check('stream tools', async () => {
      const events = await drain(
        adapter.stream(
          { model: 'sim-large', messages: [{ role: 'user', content: 'call get_weather now' }], tools: [weatherTool] },
          ctx(GOOD),
        ),
      );
      const start = events.find((e) => e.type === 'tool_call_start');
      assert.ok(start && start.type === 'tool_call_start' && start.name === 'get_weather' && start.index === 0);
      const args = events.map((e) => (e.type === 'tool_call_delta' && e.index === 0 ? e.arguments : '')).join('');
      assert.equal(typeof JSON.parse(args), 'object');
      const last = events.at(-1);
      assert.ok(last?.type === 'finish' && last.finish_reason === 'tool_calls');
      assertBlocks(events);
    });

    check('errors classified', async () => {
      const expect: [string, ErrorKind][] = [
        [SECRET_BAD, 'auth_rejected'],
        ['sk-sim-quota-00000000000015', 'quota'],
        ['sk-sim-ratelimited-000000016', 'rate_limited'],
        [SCRIPTED['500'] ?? '', 'server'],
        [SCRIPTED['529'] ?? '', 'overloaded'],
        [SCRIPTED['403_server_error'] ?? '', 'server'],
        [SCRIPTED['402'] ?? '', 'quota'],
        [SCRIPTED['context_length'] ?? '', 'context_length'],
        [SCRIPTED['content_filter'] ?? '', 'content_filter'],
        [SCRIPTED['bad_request'] ?? '', 'bad_request'],
      ];
      for (const [key, kind] of expect) {
        const err = await adapter.send(hello, ctx(key)).then(
          () => undefined,
          (e: unknown) => e,
        );
        const u = assertKind(err, kind, false);
        if (kind === 'content_filter' && o.filterBlocksIn200) assert.equal(u.status, undefined);
        else assert.ok(u.status !== undefined && u.status >= 400, `${kind} has a status`);
        assert.equal(u.provider, 'simprov');
      }
      const limited = await adapter.send(hello, ctx('sk-sim-ratelimited-000000016')).then(
        () => undefined,
        (e: unknown) => e,
      );
      const rl = assertKind(limited, 'rate_limited');
      assert.ok(rl.retryAfterMs !== undefined && rl.retryAfterMs > 0 && rl.resetAt !== undefined, 'reset parsed');
      const missing = await adapter.send({ ...hello, model: 'no-such-model' }, ctx(GOOD)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertKind(missing, 'not_found');
    });

    check('stream errors before first event', async () => {
      const it = adapter.stream(hello, ctx(SECRET_BAD))[Symbol.asyncIterator]();
      await assert.rejects(it.next(), (e: unknown) => !!assertKind(e, 'auth_rejected', false));
      const first = await drainUntilError(adapter.stream(hello, ctx(SCRIPTED['stream_error_first'] ?? '')));
      assert.equal(first.events.filter((e) => e.type === 'text').length, 0);
      assertKind(first.error, 'overloaded');
    });

    check('error after deltas', async () => {
      const { events, error } = await drainUntilError(adapter.stream(hello, ctx(SCRIPTED['stream_error'] ?? '')));
      assert.ok(
        events.some((e) => e.type === 'text'),
        'some text arrived first',
      );
      assertKind(error, 'overloaded', true);
      assert.ok(!events.some((e) => e.type === 'finish'), 'never a clean end');
    });

    check('stream pushed', async () => {
      const pulled = await drain(adapter.stream(hello, ctx(GOOD)));
      for (const fullOnce of [false, true]) {
        const pushed = await drainPushed(adapter.stream(hello, ctx(GOOD)), { fullOnce });
        assert.equal(pushed.error, undefined);
        assert.ok(pushed.ended, 'ended once');
        const text = (es: StreamEvent[]) => es.map((e) => (e.type === 'text' ? e.text : '')).join('');
        assert.equal(text(pushed.events), text(pulled));
        assert.deepEqual(
          pushed.events.map((e) => e.type),
          pulled.map((e) => e.type),
        );
      }
    });

    check('error after deltas pushed', async () => {
      const { events, error, ended } = await drainPushed(adapter.stream(hello, ctx(SCRIPTED['stream_error'] ?? '')));
      assert.ok(ended, 'failed once');
      assert.ok(events.some((e) => e.type === 'text'));
      assertKind(error, 'overloaded', true);
      assert.ok(!events.some((e) => e.type === 'finish'), 'never a clean end');
    });

    check('cut mid-stream', async () => {
      const { events, error } = await drainUntilError(adapter.stream(hello, ctx(SCRIPTED['cut'] ?? '')));
      // The simulator destroys the socket right after writing, so the first frames may or may not arrive.
      assertKind(error, 'connection', events.length > 0);
      assert.ok(!events.some((e) => e.type === 'finish'), 'never a clean end');
      const reset = await adapter.send(hello, ctx(SCRIPTED['reset'] ?? '')).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertKind(reset, 'connection', false);
    });

    check('cut mid-answer', async () => {
      // Headers and half the body, then the socket closes (the simulator flushes both first): the provider was reached
      // and had begun answering — a connection failure, but `answer_cut`, never "could not reach".
      const err = await adapter.send(hello, ctx(SCRIPTED['cut'] ?? '')).then(
        () => undefined,
        (e: unknown) => e,
      );
      const u = assertKind(err, 'connection', false);
      assert.equal(u.code, 'answer_cut');
    });

    check('connection refused', async () => {
      const port = await closedPort();
      const url = o.baseUrl(`http://127.0.0.1:${port}`);
      const err = await adapter.send(hello, { ...ctx(GOOD), baseUrl: url }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const u = assertKind(err, 'connection', false);
      assert.match(`${u.code} ${u.message}`, /ECONNREFUSED/);
      const it = adapter.stream(hello, { ...ctx(GOOD), baseUrl: url })[Symbol.asyncIterator]();
      await assert.rejects(it.next(), (e: unknown) => !!assertKind(e, 'connection'));
    });

    check('timeout', async () => {
      const err = await adapter.send(hello, ctx(SCRIPTED['timeout'] ?? '', { timeoutMs: 300 })).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertKind(err, 'timeout', false);
    });

    check('idle stream timeout', async () => {
      const { events, error } = await drainUntilError(
        adapter.stream(hello, ctx(SCRIPTED['stall'] ?? '', { timeoutMs: 300 })),
      );
      assert.ok(events.some((e) => e.type === 'text'));
      assertKind(error, 'timeout', true);
    });

    check('caller abort', async () => {
      const controller = new AbortController();
      const pending = adapter.send(hello, ctx(SCRIPTED['timeout'] ?? '', { signal: controller.signal }));
      setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 50).unref();
      await assert.rejects(
        pending,
        (e: unknown) => !UpstreamError.isInstance(e) && e instanceof Error && /ctrl-c/.test(e.message),
      );
    });

    check('models', async () => {
      const models = await adapter.listModels(ctx(GOOD));
      assert.ok(models.includes('sim-large') && models.includes('sim-small'), models.join(','));
    });

    check('no secret in errors', async () => {
      const err = await adapter.send(hello, ctx(SECRET_BAD)).then(
        () => undefined,
        (e: unknown) => e,
      );
      const u = assertKind(err, 'auth_rejected');
      const text = `${u.message} ${u.providerMessage} ${JSON.stringify(u)}`;
      assert.ok(!text.includes(SECRET_BAD), text);
    });

    check('no secret in garbage', async () => {
      // Not key-shaped on purpose: the exact secret sent is scrubbed, not only what looks like a key.
      const secret = 'plain-upstream-secret-0042';
      await using echo = await keyEchoingUpstream();
      const bad = { ...ctx(secret), baseUrl: o.baseUrl(echo.url) };
      const err = await adapter.send(hello, bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      const u = assertKind(err, 'server');
      assert.match(u.providerMessage ?? '', /not JSON/);
      const it = adapter.stream(hello, bad)[Symbol.asyncIterator]();
      const streamErr = await it.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      const s = assertKind(streamErr, 'server');
      for (const e of [u, s]) {
        const text = `${e.message} ${e.providerMessage} ${JSON.stringify(e)}`;
        assert.ok(!text.includes(secret), text);
      }
    });

    check('no config secret in echoed errors', async () => {
      // Header values and the base URL's user-info and query go upstream beside the key; an error that repeats the
      // request must not carry any of them to a client, a log line or doctor.
      await using echo = await requestEchoingUpstream();
      const at = {
        ...ctx(PLANTED.key, { headers: PLANTED.headers }),
        baseUrl: `${o.baseUrl(echo.url)}${PLANTED.query}`,
      };
      const asking = (text: string): ChatRequest => ({ ...hello, messages: [{ role: 'user', content: text }] });
      const failures = [
        await adapter.send(asking('please-400'), at).then(
          () => undefined,
          (e: unknown) => e,
        ),
        await adapter.send(asking('please-500'), at).then(
          () => undefined,
          (e: unknown) => e,
        ),
        await adapter
          .stream(asking('please-400'), at)
          [Symbol.asyncIterator]()
          .next()
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
        await adapter
          .stream(asking('stream'), at)
          [Symbol.asyncIterator]()
          .next()
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      ];
      for (const f of failures) {
        assert.ok(UpstreamError.isInstance(f), `expected an UpstreamError, got ${String(f)}`);
        const text = `${f.message} ${f.providerMessage} ${JSON.stringify(f)}`;
        // The echo reached the message (its last header is there, or — behind a long path, Vertex's — the message was
        // cut after the key's header), so the scrubbing is what kept the secrets out.
        assert.match(f.providerMessage ?? '', /x-custom-auth=\[redacted\]|=Bearer \[redacted\].*…$/, text);
        for (const secret of PLANTED_SECRETS) assert.ok(!text.includes(secret), `${secret} in: ${text}`);
      }
    });

    check('stream answered whole', async () => {
      // A server that ignores `stream: true` answers JSON: an error it holds is classified, anything else is a
      // server failure that says so (not "the connection broke mid-answer").
      await using up = await rawUpstream((body) => ({
        type: 'application/json',
        body: body.includes('please-fail')
          ? JSON.stringify({
              error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
            })
          : JSON.stringify({ id: 'x', choices: [], content: [] }),
      }));
      const at = { ...ctx(GOOD), baseUrl: o.baseUrl(up.url) };
      const whole = await adapter
        .stream(hello, at)
        [Symbol.asyncIterator]()
        .next()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const u = assertKind(whole, 'server', false);
      assert.equal(u.code, 'not_a_stream');
      const failing = { ...hello, messages: [{ role: 'user' as const, content: 'please-fail' }] };
      const inBand = await adapter
        .stream(failing, at)
        [Symbol.asyncIterator]()
        .next()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assertKind(inBand, 'auth_rejected', false);
      // A proxy's HTML page with a 200: a server failure quoting it, not "the connection broke mid-answer".
      await using html = await rawUpstream(() => ({
        type: 'text/html',
        body: '<html><title>Bad gateway</title></html>',
      }));
      const page = await adapter
        .stream(hello, { ...ctx(GOOD), baseUrl: o.baseUrl(html.url) })
        [Symbol.asyncIterator]()
        .next()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.match(
        assertKind(page, 'server', false).providerMessage ?? '',
        /answer came whole \(text\/html\).*Bad gateway/,
      );
    });

    test('the simulator saw our calls', () => {
      assert.ok(sim.calls(GOOD) >= 5);
    });
  });
}
