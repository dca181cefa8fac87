// No planted secret in an exported span or OTLP metric: a gateway with `gateway.otel: true` exporting to a receiver
// this test runs on loopback, sent the corpus in a chat request under redact and under log (where the secret goes
// upstream as it came, so only the telemetry's own care keeps it out of the spans).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAST_RETRY, simProvider, startHarness } from '../gateway/harness.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { until } from '../helpers/until.ts';
import { plantedSecrets } from './corpus.ts';

const OTEL_ENV = {
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_SERVICE_NAME: 'switchyard-guard-test',
};

/** An OTLP/HTTP receiver: every body posted, by path. */
async function startReceiver(): Promise<{ url: string; bodies: string[] } & AsyncDisposable> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(`${req.url ?? ''} ${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('no planted secret appears in an exported span or metric, under redact or log', async () => {
  await using receiver = await startReceiver();
  const saved = Object.keys({ ...OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: '' }).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, { ...OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const planted = plantedSecrets();
  const secrets = planted.flatMap((p) => p.secrets);
  const env = planted.map((p) => p.text).join('\n');
  try {
    {
      await using h = await startHarness({
        scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-guard-spans-00001': {} } },
        config: (sim) => ({
          providers: { sim: simProvider(sim, 'openai', 'sk-sim-guard-spans-00001') },
          main: { provider: 'sim', model: 'sim-large' },
          retry: FAST_RETRY,
          gateway: { otel: true, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
          guard: { secrets: 'redact' },
        }),
      });
      const logKey = generateKey();
      h.store.addGatewayKey({ ...newKeyRecord(logKey, 'guard-spans-log'), guard: 'log' });
      await until('the logging key', async () => {
        const res = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${logKey}` } });
        return res.status === 200;
      });
      for (const apiKey of [h.key, logKey]) {
        const res = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'main',
            messages: [
              { role: 'user', content: `my environment:\n${env}` },
              {
                role: 'assistant',
                content: null,
                tool_calls: [
                  { id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":".env"}' } },
                ],
              },
              { role: 'tool', tool_call_id: 'call_1', content: env },
            ],
          }),
        });
        assert.equal(res.status, 200, await res.text());
      }
    } // closing the gateway shuts the SDK down, which exports what is pending
    const exported = receiver.bodies.join('\n');
    assert.match(exported, /\/v1\/traces /, 'spans were exported');
    assert.match(exported, /gen_ai\.client\.token\.usage/, 'metrics were exported');
    for (const secret of secrets) assert.ok(!exported.includes(secret), `a ${secret.slice(0, 6)}… secret was exported`);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
