// The library's OpenTelemetry output against the simulator: a span per call with a child per attempt in the GenAI
// conventions, the four GenAI client metrics, the caller's trace continued, and no secret in anything exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { fingerprint } from '../../src/config/mask.ts';
import { withCaller } from '../../src/telemetry/caller.ts';
import { providerName } from '../../src/telemetry/semconv.ts';
import { failure, FAST_RETRY, harness, hello } from '../routing/helpers.ts';
import { installOtel } from './otel.ts';

const LIMITED = 'sk-limited-0000000001';
const REFUSED = 'sk-refused-0000000002';
const BACKUP = 'sk-ant-backup-00000003';
const SECRETS = [LIMITED, REFUSED, BACKUP];

function rotateThenFallBack(u: { openai: string; anthropic: string }): unknown {
  return {
    providers: {
      mimo: { type: 'openai', base_url: u.openai, api_keys: [LIMITED, REFUSED] },
      claude: { type: 'anthropic', base_url: u.anthropic, api_key: BACKUP },
    },
    main: { provider: 'mimo', model: 'sim-large' },
    fallback: [{ provider: 'claude', model: 'sim-small' }],
    retry: FAST_RETRY,
  };
}

const SCENARIO = {
  keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [REFUSED]: { script: ['401'] }, [BACKUP]: {} },
};

test('a rotated-then-fallen-back call is one CLIENT span with a child span per attempt naming its key and kind', async () => {
  await using otel = installOtel();
  await using h = await harness({ scenario: SCENARIO, config: rotateThenFallBack });
  const r = await h.router.chat({ messages: hello, max_tokens: 50 });
  assert.equal(r.status, 'ok');
  const spans = await otel.spans();
  const parent = spans.find((s) => s.parentSpanContext === undefined);
  assert.ok(parent, 'one root span');
  assert.equal(parent.name, 'chat sim-large');
  assert.equal(parent.kind, SpanKind.CLIENT);
  const a = parent.attributes;
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.request.model'], 'sim-large');
  assert.equal(a['gen_ai.request.max_tokens'], 50);
  assert.equal(a['gen_ai.request.stream'], false);
  assert.equal(a['gen_ai.response.model'], 'sim-small');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
  assert.equal(typeof a['gen_ai.usage.output_tokens'], 'number');
  assert.equal(a['switchyard.task'], 'main');
  assert.equal(a['switchyard.attempts'], 3);
  assert.equal(a['switchyard.rotations'], 1);
  assert.equal(a['switchyard.fallback.index'], 1);
  assert.equal(a['switchyard.route'], 'claude/sim-small');
  assert.equal(a['gen_ai.system'], undefined, 'the deprecated name only on request');

  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
    .sort(
      (x, y) => Number(x.attributes['switchyard.attempt.index']) - Number(y.attributes['switchyard.attempt.index']),
    );
  assert.deepEqual(
    children.map((s) => [
      s.name,
      s.kind,
      s.attributes['error.type'],
      s.attributes['switchyard.credential.id'],
      s.attributes['switchyard.rotation'],
      s.attributes['switchyard.fallback.index'],
      s.attributes['gen_ai.provider.name'],
    ]),
    [
      ['chat sim-large', SpanKind.CLIENT, 'rate_limited', fingerprint(LIMITED), 0, 0, 'openai'],
      ['chat sim-large', SpanKind.CLIENT, 'auth_rejected', fingerprint(REFUSED), 1, 0, 'openai'],
      ['chat sim-small', SpanKind.CLIENT, undefined, fingerprint(BACKUP), 0, 1, 'anthropic'],
    ],
  );
  assert.equal(children[0]!.status.code, SpanStatusCode.ERROR);
  assert.equal(children[0]!.attributes['http.response.status_code'], 429);
  assert.match(String(children[1]!.attributes['switchyard.credential.source']), /providers\.mimo\.api_keys\[1\]/);
  assert.match(String(children[0]!.attributes['switchyard.credential.masked']), /…0001$/);
  assert.equal(children[2]!.attributes['gen_ai.response.model'], 'sim-small');
  assertNoSecretExported(await otel.spans());
});

test('a call that fails on every route sets error.type to the failure kind and its advice on its span', async () => {
  await using otel = installOtel();
  await using h = await harness({
    scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' } } },
    config: (u) => ({
      providers: { mimo: { type: 'openai', base_url: u.openai, api_keys: [LIMITED] } },
      main: { provider: 'mimo', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  const root = (await otel.spans()).find((s) => s.parentSpanContext === undefined);
  assert.equal(root?.attributes['error.type'], err.kind);
  assert.equal(root?.status.code, SpanStatusCode.ERROR);
  // The explanation as values: what to do, each advice by kind and subject.
  assert.deepEqual(root?.attributes['switchyard.advice'], ['add_key:mimo', 'retry_later:send_fewer']);
  assert.equal(root?.attributes['switchyard.error.headline'], err.explained?.headline);
  assertNoSecretExported(await otel.spans());
});

test("the caller's traceparent is continued and its client key named", async () => {
  await using otel = installOtel();
  await using h = await harness({ scenario: { keys: { [BACKUP]: {} } }, config: rotateThenFallBack });
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const headers = { traceparent: `00-${traceId}-b7ad6b7169203331-01` };
  await withCaller(headers, 'team-a', () => h.router.chat({ task: 'main', messages: hello }).catch(() => {}));
  const root = (await otel.spans()).find((s) => s.parentSpanContext?.spanId === 'b7ad6b7169203331');
  assert.ok(root, 'the call span is a child of the incoming span');
  assert.equal(root.spanContext().traceId, traceId);
  assert.equal(root.attributes['switchyard.client_key'], 'team-a');
  assert.equal(root.attributes['enduser.id'], undefined, 'no end user unless the gateway names one');
});

test('the end user is on the call span only when the caller is run with one (gateway.otel_end_user)', async () => {
  await using otel = installOtel();
  await using h = await harness({ scenario: { keys: { [BACKUP]: {} } }, config: rotateThenFallBack });
  await withCaller({}, 'team-a', () => h.router.chat({ task: 'main', messages: hello }).catch(() => {}), 'alice');
  const root = (await otel.spans()).find((s) => s.parentSpanContext === undefined);
  assert.equal(root?.attributes['enduser.id'], 'alice');
});

test('the four GenAI client metrics: duration per attempt, tokens by type, first chunk and per chunk for a stream', async () => {
  await using otel = installOtel();
  await using h = await harness({ scenario: SCENARIO, config: rotateThenFallBack });
  await h.router.chat({ messages: hello });
  const s = await h.router.chat({ messages: hello, stream: true });
  assert.equal(s.status, 'ok');
  if (s.status !== 'ok') return;
  for await (const _ of s.events) void _;
  const m = await otel.metrics();
  const duration = m.get('gen_ai.client.operation.duration') as HistogramMetricData;
  assert.equal(duration.descriptor.unit, 's');
  const failed = duration.dataPoints.find((p) => p.attributes['error.type'] === 'rate_limited');
  assert.equal(failed?.value.count, 1, 'the 429 attempt has its own duration, with error.type');
  assert.equal(failed?.attributes['gen_ai.provider.name'], 'openai');
  const tokens = m.get('gen_ai.client.token.usage') as HistogramMetricData;
  assert.deepEqual(
    new Set(tokens.dataPoints.map((p) => p.attributes['gen_ai.token.type'])),
    new Set(['input', 'output']),
  );
  for (const p of tokens.dataPoints) assert.equal(p.attributes['gen_ai.response.model'], 'sim-small');
  const first = m.get('gen_ai.client.operation.time_to_first_chunk') as HistogramMetricData;
  assert.equal(first.dataPoints[0]?.value.count, 1, 'one stream, one first chunk');
  assert.ok(m.has('gen_ai.client.operation.time_per_output_chunk'));
  const streamSpan = (await otel.spans()).find(
    (x) => x.parentSpanContext === undefined && x.attributes['gen_ai.request.stream'],
  );
  assert.equal(typeof streamSpan?.attributes['gen_ai.response.time_to_first_chunk'], 'number');
  assertNoSecretExported(await otel.spans());
});

test('OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental/dup adds the v1.36 names where they changed', async () => {
  const before = process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];
  process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = 'http,gen_ai_latest_experimental/dup';
  try {
    await using otel = installOtel();
    await using h = await harness({ scenario: { keys: { [BACKUP]: {} } }, config: rotateThenFallBack });
    await h.router.chat({ messages: hello }).catch(() => {});
    const root = (await otel.spans()).find((s) => s.parentSpanContext === undefined);
    assert.equal(root?.attributes['gen_ai.system'], 'openai');
    assert.equal(root?.attributes['gen_ai.provider.name'], 'openai');
  } finally {
    if (before === undefined) delete process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];
    else process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = before;
  }
});

test('without an SDK registered the library makes no telemetry and its calls answer as before', async () => {
  await using h = await harness({ scenario: SCENARIO, config: rotateThenFallBack });
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
});

/** The secret scan, over everything a span exports: names, attributes, status, events. */
function assertNoSecretExported(spans: Awaited<ReturnType<ReturnType<typeof installOtel>['spans']>>): void {
  const text = JSON.stringify(
    spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events, links: s.links })),
  );
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `a secret (…${secret.slice(-4)}) was exported`);
}

test('gen_ai.provider.name names the service the base URL points at, not only the API type', () => {
  assert.equal(providerName({ type: 'openai', base_url: 'https://api.deepseek.com/v1' }), 'deepseek');
  assert.equal(providerName({ type: 'openai', base_url: 'https://api.groq.com/openai/v1' }), 'groq');
  assert.equal(providerName({ type: 'openai', base_url: 'https://my-res.openai.azure.com/openai' }), 'azure.ai.openai');
  assert.equal(providerName({ type: 'anthropic', base_url: 'https://api.anthropic.com' }), 'anthropic');
  assert.equal(providerName({ type: 'openai', base_url: 'http://127.0.0.1:8080/v1' }), 'openai');
  assert.equal(providerName(undefined), '_OTHER');
});

test('a call a budget refused before anything was sent exports its call span and no attempt span', async () => {
  await using otel = installOtel();
  await using h = await harness({
    scenario: { keys: { [BACKUP]: {} } },
    config: (u) => ({
      providers: { claude: { type: 'anthropic', base_url: u.anthropic, api_key: BACKUP } },
      main: { provider: 'claude', model: 'sim-small' },
      retry: FAST_RETRY,
      budgets: { tight: { task: 'main', tokens: { day: 3 } } },
    }),
  });
  await h.router.chat({ messages: hello, max_tokens: 5 });
  const before = (await otel.spans()).length;
  const err = await failure(h.router.chat({ messages: hello, max_tokens: 5 }));
  assert.equal(err.kind, 'budget');
  const spans = (await otel.spans()).slice(before);
  assert.equal(spans.length, 1, `only the call span: ${spans.map((x) => x.name).join(', ')}`);
  assert.equal(spans[0]!.attributes['error.type'], 'budget');
});
