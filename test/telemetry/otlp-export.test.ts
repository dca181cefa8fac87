// The gateway with `gateway.otel: true` exports over OTLP/HTTP to a receiver this test runs on loopback, configured by
// the standard OTEL_* variables alone: the caller's trace continued, a span per attempt, the GenAI metrics, no secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAST_RETRY, simProvider, startHarness } from '../gateway/harness.ts';

const LIMITED = 'sk-otlp-limited-000001';
const GOOD = 'sk-otlp-good-000000002';

interface Receiver extends AsyncDisposable {
  url: string;
  bodies: Map<string, string[]>;
}

async function startReceiver(): Promise<Receiver> {
  const bodies = new Map<string, string[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const list = bodies.get(req.url ?? '') ?? [];
      list.push(Buffer.concat(chunks).toString('utf8'));
      bodies.set(req.url ?? '', list);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const OTEL_ENV = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_LOGS_EXPORTER',
  'OTEL_SERVICE_NAME',
];

test('gateway.otel exports a rotated request as a child of the caller’s trace over OTLP/HTTP, with its metrics', async () => {
  await using receiver = await startReceiver();
  const saved = OTEL_ENV.map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_SERVICE_NAME: 'switchyard-test',
  });
  try {
    {
      await using h = await startHarness({
        scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [GOOD]: {} } },
        config: (sim) => ({
          providers: { mimo: simProvider(sim, 'openai', [LIMITED, GOOD]) },
          main: { provider: 'mimo', model: 'sim-large' },
          retry: FAST_RETRY,
          gateway: { otel: true, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
        }),
      });
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.key}`,
          'content-type': 'application/json',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
        body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200, await res.text());
    } // closing the gateway shuts the SDK down, which exports what is pending
    const traces = (receiver.bodies.get('/v1/traces') ?? []).join('\n');
    assert.ok(traces.length > 0, 'traces were exported');
    const spans = spansOf(traces);
    const root = spans.find((s) => s.parentSpanId === '00f067aa0ba902b7');
    assert.ok(root, 'the request span continues the caller’s trace');
    assert.equal(root.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(root.name, 'chat sim-large');
    assert.equal(attr(root, 'switchyard.client_key'), 'test-client');
    const children = spans.filter((s) => s.parentSpanId === root.spanId);
    assert.deepEqual(children.map((s) => attr(s, 'error.type') ?? 'ok').sort(), ['ok', 'rate_limited']);
    assert.match(traces, /"service\.name","value":\{"stringValue":"switchyard-test"\}/);
    const metricsText = (receiver.bodies.get('/v1/metrics') ?? []).join('\n');
    assert.match(metricsText, /gen_ai\.client\.operation\.duration/);
    assert.match(metricsText, /gen_ai\.client\.token\.usage/);
    for (const secret of [LIMITED, GOOD])
      assert.ok(!`${traces}${metricsText}`.includes(secret), `a secret (…${secret.slice(-4)}) was exported`);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

function spansOf(bodies: string): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const line of bodies.split('\n')) {
    const doc = JSON.parse(line) as {
      resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
    };
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
  }
  return out;
}

function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
}
