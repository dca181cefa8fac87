// The floor: the gateway's stack and core without its own per-request features, so a run can tell what the stack
// costs from what those features add (bench/README.md).
import Fastify from 'fastify';
import type { LoadedConfig } from '../src/config/types.ts';
import { openaiBodySchema } from '../src/gateway/routes/chat-completions.ts';
import { openaiWire } from '../src/gateway/wire.ts';
import { copySettings } from '../src/providers/settings.ts';
import { createSwitchyard } from '../src/library/switchyard.ts';
import type { ChatOptions } from '../src/calls/types.ts';
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
