// `auth: { header, scheme }`: where a provider's key is sent, for both provider types, and the config's refusals.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configSchema } from '../../src/config/schema.ts';
import { createSwitchyard } from '../../src/library/switchyard.ts';
import { openStore } from '../../src/state/open.ts';
import { loadedFrom } from '../routing/helpers.ts';
import { loadConfig } from '../../src/config/load.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { CredentialPool } from '../../src/credentials/pool.ts';
import { probeProviders } from '../../src/inspect/probe-all.ts';
import { adapterFor, closePools } from '../../src/providers/registry.ts';

after(closePools);
const ws = tempWorkspace('switchyard-auth-header-');
after(() => ws.cleanup());

/** An upstream that records the headers of each call and answers in the shape of the path asked. */
/** `await using up = await recordingUpstream()` closes it when the test's scope ends. */
async function recordingUpstream(): Promise<AsyncDisposable & { url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      const anthropic = req.url?.includes('/messages') ?? false;
      const body = anthropic
        ? {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'm',
            content: [{ type: 'text', text: 'hi' }],
            stop_reason: 'end_turn',
            usage: { input_tokens: 1, output_tokens: 1 },
          }
        : {
            id: 'c1',
            object: 'chat.completion',
            created: 0,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
          };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> => new Promise((r) => server.close(() => r()));
  return { url: `http://127.0.0.1:${port}`, seen, [Symbol.asyncDispose]: close };
}

async function headersSent(type: 'openai' | 'anthropic', auth: unknown): Promise<IncomingHttpHeaders> {
  await using up = await recordingUpstream();
  await using store = openStore({ kind: 'memory' });
  const base = type === 'openai' ? `${up.url}/v1` : up.url;
  await using router = createSwitchyard({
    config: loadedFrom({
      providers: {
        p: { type, base_url: base, api_key: 'sk-test-key-123456', ...(auth === undefined ? {} : { auth }) },
      },
      main: { provider: 'p', model: 'm' },
    }),
    store,
  });
  await router.chat({ messages: [{ role: 'user', content: 'hello' }] });
  return up.seen[0]!;
}

describe('auth header and scheme', () => {
  it("sends an openai provider's key as Bearer in authorization by default", async () => {
    const h = await headersSent('openai', undefined);
    assert.equal(h.authorization, 'Bearer sk-test-key-123456');
  });

  it('sends the key alone in api-key for Azure OpenAI, and no authorization header', async () => {
    const h = await headersSent('openai', { header: 'api-key' });
    assert.equal(h['api-key'], 'sk-test-key-123456');
    assert.equal(h.authorization, undefined);
  });

  it("sends an anthropic provider's key as a Bearer authorization when told", async () => {
    const h = await headersSent('anthropic', { header: 'Authorization' });
    assert.equal(h.authorization, 'Bearer sk-test-key-123456');
    assert.equal(h['x-api-key'], undefined);
  });

  it('sends the key with no scheme in authorization when scheme is none', async () => {
    const h = await headersSent('openai', { scheme: 'none' });
    assert.equal(h.authorization, 'sk-test-key-123456');
  });

  it('puts Bearer before the key in any header when asked', async () => {
    const h = await headersSent('openai', { header: 'x-gateway-key', scheme: 'bearer' });
    assert.equal(h['x-gateway-key'], 'Bearer sk-test-key-123456');
  });
});

describe("a task's own auth", () => {
  it("sends the task's keys to its own base_url as its auth: says, and the provider's calls as the provider's says", async () => {
    await using up = await recordingUpstream();
    await using store = openStore({ kind: 'memory' });
    await using router = createSwitchyard({
      config: loadedFrom({
        providers: { p: { type: 'openai', base_url: `${up.url}/v1`, api_key: 'sk-provider-key-000001' } },
        main: { provider: 'p', model: 'm' },
        auxiliary: {
          title_generation: {
            provider: 'p',
            model: 'small',
            base_url: `${up.url}/azure/v1`,
            api_key: 'sk-task-azure-key-0002',
            auth: { header: 'api-key' },
          },
        },
      }),
      store,
    });
    await router.chat({ task: 'title_generation', messages: [{ role: 'user', content: 'hello' }] });
    await router.chat({ messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(up.seen[0]!['api-key'], 'sk-task-azure-key-0002');
    assert.equal(up.seen[0]!.authorization, undefined);
    assert.equal(up.seen[1]!.authorization, 'Bearer sk-provider-key-000001');
    assert.equal(up.seen[1]!['api-key'], undefined);
  });

  it("auth test probes a task's own key at its base_url with its auth", async () => {
    await using up = await recordingUpstream();
    await using store = openStore({ kind: 'memory' });
    const loaded = loadedFrom({
      providers: {
        p: { type: 'openai', base_url: `${up.url}/v1`, api_key: 'sk-provider-key-000001', models: { m: {} } },
      },
      auxiliary: {
        title_generation: {
          provider: 'p',
          model: 'small',
          base_url: `${up.url}/azure/v1`,
          api_key: 'sk-task-azure-key-0002',
          auth: { header: 'api-key' },
        },
      },
    });
    const pool = new CredentialPool({ loaded, store });
    await probeProviders({ loaded, store, pool, adapterFor, providers: ['p'] });
    assert.equal(up.seen.length, 2);
    const task = up.seen.find((h) => h['api-key'] !== undefined);
    const own = up.seen.find((h) => h['api-key'] === undefined);
    assert.deepEqual([task?.['api-key'], task?.authorization], ['sk-task-azure-key-0002', undefined]);
    assert.equal(own?.authorization, 'Bearer sk-provider-key-000001');
  });

  it("refuses a task's auth header that its provider's headers: also set, at its line", () => {
    const path = ws.write(
      'clash.yaml',
      `providers:
  p: { type: openai, base_url: http://127.0.0.1:9/v1, headers: { Api-Key: x } }
auxiliary:
  title_generation:
    provider: p
    base_url: http://127.0.0.1:9/azure/v1
    auth: { header: api-key }
`,
    );
    assert.throws(
      () => loadConfig({ configPath: path, env: {} }),
      /clash\.yaml:7:\d+: auxiliary\.title_generation\.auth\.header: api-key is set by providers\.p\.headers\.Api-Key/,
    );
  });

  it("refuses a task's auth without a base_url of its own: the provider's endpoint, and its auth, are used", () => {
    const r = configSchema.safeParse({
      providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
      auxiliary: { title_generation: { provider: 'p', auth: { header: 'api-key' } } },
    });
    assert.equal(r.success, false);
    assert.match(
      r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'),
      /auxiliary\.title_generation\.auth: auth on a task says how keys are sent to the task's own base_url, and it has none/,
    );
  });
});

describe('auth config', () => {
  const provider = (extra: unknown): unknown => ({
    providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', ...(extra as object) } },
  });
  const problem = (raw: unknown): string => {
    const r = configSchema.safeParse(raw);
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  };

  it('refuses a header name that is not one', () => {
    assert.match(
      problem(provider({ auth: { header: 'api key' } })),
      /providers\.p\.auth\.header: expected a header name/,
    );
  });

  it('refuses a header Switchyard sets itself', () => {
    assert.match(problem(provider({ auth: { header: 'Content-Type' } })), /set by Switchyard itself/);
  });

  it('refuses a scheme other than Bearer or none', () => {
    assert.match(problem(provider({ auth: { scheme: 'Basic' } })), /expected Bearer or none, got "Basic"/);
  });

  it('refuses a headers: entry that would replace the key', () => {
    assert.match(
      problem(provider({ auth: { header: 'api-key' }, headers: { 'API-Key': 'x' } })),
      /providers\.p\.headers\.API-Key: API-Key is the header auth\.header sends the key in/,
    );
  });
});
