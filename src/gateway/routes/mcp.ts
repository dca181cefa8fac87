// /mcp: MCP's Streamable HTTP transport over the configured MCP servers (docs/mcp.md). The client key is checked on
// every request as for the chat routes. What a request is answered with is gateway/mcp/serve.ts, loaded with the MCP
// SDK on the first request to /mcp, so a gateway no MCP client uses does not hold it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import type { OpenMcp } from '../mcp/serve.ts';

export function mcpPlugin(ctx: GatewayContext) {
  return async function mcp(app: FastifyInstance): Promise<void> {
    const open: OpenMcp = { sessions: new Map(), listening: new Set() };
    let serving: Promise<typeof import('../mcp/serve.ts')> | undefined;
    app.addHook('onRequest', clientAuthHook(ctx));
    // A listen stream is no work to drain (it lasts until the client leaves): ended as the shutdown begins, with its
    // result, so the drain does not wait on it.
    app.addHook('preClose', async () => {
      for (const l of open.listening) l.end();
    });
    app.addHook('onClose', async () => {
      await Promise.all([...open.sessions.values()].map((s) => s.close()));
      open.sessions.clear();
    });
    const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      serving ??= import('../mcp/serve.ts');
      return (await serving).serveMcp(ctx, open, req, reply);
    };
    app.post('/mcp', handle);
    app.get('/mcp', handle);
    app.delete('/mcp', handle);
  };
}
