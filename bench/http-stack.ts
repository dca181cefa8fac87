// The chat path's HTTP stack alone (issue 53, item 4): the same work behind a raw node:http handler and behind
// fastify as the gateway configures it (its options, an onRequest and an onResponse hook, the body schema, a reply),
// so what fastify's routing, hooks and reply cost on this path is the difference. Both parse the body with
// JSON.parse from one Buffer, hand the router the request as serve-chat.ts does, and answer with the translated JSON;
// neither has the gateway's own features (keys, log, metrics, ledger). `fastify-noschema` leaves the schema out.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify from 'fastify';
import type { LoadedConfig } from '../src/config/types.ts';
import { openaiBodySchema } from '../src/gateway/routes/chat-completions.ts';
import { openaiWire } from '../src/gateway/wire.ts';
import { copySettings } from '../src/providers/settings.ts';
import { createSwitchyard, type Switchyard } from '../src/library/switchyard.ts';
import type { ChatOptions } from '../src/calls/types.ts';
import { openStore } from '../src/state/open.ts';
import { listenLoopback, type BenchServer } from './listen.ts';

export const STACK_MODES = ['raw', 'fastify', 'fastify-noschema'] as const;
export type StackMode = (typeof STACK_MODES)[number];

/** The request to the router and its answer in the caller's shape, as JSON: the same in every mode. */
async function answer(router: Switchyard, body: unknown): Promise<string> {
  const parsed = openaiWire.parse(body);
  const result = await router.chat(
    copySettings<ChatOptions>({ task: 'main', messages: parsed.request.messages, trail: [] }, parsed.request),
  );
  if (result.status !== 'ok') throw new Error(`task main is disabled: ${result.reason}`);
  return JSON.stringify(openaiWire.response(result.response, parsed));
}

function rawHandler(router: Switchyard) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(router, JSON.parse(Buffer.concat(chunks).toString('utf8')))
        .then((json) => {
          res.writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(json),
          });
          res.end(json);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: String(err) } }));
        });
    });
  };
}

/** Fastify with the gateway's options (gateway/server/app.ts) and a hook at each end, as client-auth and the request log. */
async function fastifyApp(router: Switchyard, schema: boolean, bodyLimit: number) {
  const app = Fastify({
    logger: false,
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 72_000,
    requestIdHeader: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, JSON.parse((body as Buffer).toString('utf8')) as unknown);
  });
  app.addHook('onRequest', (_req, _reply, done) => done());
  app.addHook('onResponse', (_req, _reply, done) => done());
  app.post('/v1/chat/completions', schema ? { schema: { body: openaiBodySchema } } : {}, async (req, reply) =>
    reply.type('application/json; charset=utf-8').send(await answer(router, req.body)),
  );
  await app.ready();
  return app;
}

export async function startHttpStack(loaded: LoadedConfig, mode: StackMode): Promise<BenchServer> {
  const store = openStore({ kind: 'memory' });
  const router = createSwitchyard({ config: loaded, store });
  const close = async (): Promise<void> => {
    await router.close();
    await store.close();
  };
  if (mode === 'raw') return listenLoopback(createServer(rawHandler(router)), close);
  const app = await fastifyApp(router, mode === 'fastify', loaded.config.gateway.body_limit);
  return listenLoopback(app.server, close);
}
