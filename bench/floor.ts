// The floor under the gateway: the same stack and core — fastify with the gateway's body schema, the real router
// (task resolution, credential pick, the OpenAI adapter, classification, health) and the wire translation both ways —
// without the gateway's own per-request features (client keys, the request line, metrics, request ids, `Expect:
// 100-continue`, cancelling the upstream call when the caller hangs up, errors in the caller's shape). Measured beside
// the proxy and the gateway, it splits the gap in two: what the stack and core cost, and what those features add.
import Fastify from 'fastify';
import type { LoadedConfig } from '../src/config/types.ts';
import { openaiBodySchema } from '../src/gateway/routes/chat-completions.ts';
import { openaiWire } from '../src/gateway/wire.ts';
import { copySettings } from '../src/providers/settings.ts';
import { createSwitchyard } from '../src/routing/switchyard.ts';
import type { ChatOptions } from '../src/routing/types.ts';
import { openStore } from '../src/state/open.ts';
import { listenLoopback, type BenchServer } from './listen.ts';

export async function startFloor(loaded: LoadedConfig): Promise<BenchServer> {
  const store = openStore({ kind: 'memory' });
  const router = createSwitchyard({ config: loaded, store });
  const app = Fastify({ logger: false, onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' });
  app.post('/v1/chat/completions', { schema: { body: openaiBodySchema } }, async (req) => {
    const parsed = openaiWire.parse(req.body);
    // The request as serve-chat.ts hands it to the router.
    const result = await router.chat(
      copySettings<ChatOptions>({ task: 'main', messages: parsed.request.messages, trail: [] }, parsed.request),
    );
    if (result.status !== 'ok') throw new Error(`task main is disabled: ${result.reason}`);
    return openaiWire.response(result.response, parsed);
  });
  await app.ready();
  return listenLoopback(app.server, async () => {
    await router.close();
    await store.close();
  });
}
