// The simulator's MCP server (docs/simulator.md#mcp): a few tools, a prompt and a resource, the same over HTTP and
// stdio. `hang` answers only when its call is cancelled, so a caller's timeout is what ends it.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { VERSION } from '../../../version.ts';

/** The files `files_read` serves: fixed, so a test knows what it reads. */
export const SIM_FILES: Readonly<Record<string, string>> = {
  'README.md': '# The simulator\nA file served by the MCP simulator.\n',
  'notes.txt': 'first line\nsecond line\n',
};

export interface McpToolsOptions {
  /** Called when a tool is called, before it answers (the stdio server's crash fault). */
  onCall?: (tool: string) => void;
}

/** One MCP server instance (one per HTTP session, or the stdio process's only one). */
export function simMcpServer(options: McpToolsOptions = {}): McpServer {
  const server = new McpServer({ name: 'switchyard-sim', version: VERSION }, { capabilities: { logging: {} } });
  const called = (tool: string): void => options.onCall?.(tool);
  server.registerTool(
    'echo',
    { description: 'Answers with the text it was given.', inputSchema: { text: z.string() } },
    ({ text }) => {
      called('echo');
      return { content: [{ type: 'text', text }] };
    },
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    ({ a, b }) => {
      called('add');
      return { content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } };
    },
  );
  server.registerTool(
    'files_read',
    {
      description: `Reads one of the simulator's files (${Object.keys(SIM_FILES).join(', ')}).`,
      inputSchema: { path: z.string() },
    },
    ({ path }) => {
      called('files_read');
      const text = SIM_FILES[path];
      if (text === undefined) return { isError: true, content: [{ type: 'text', text: `no file ${path}` }] };
      return { content: [{ type: 'text', text }] };
    },
  );
  server.registerTool(
    'hang',
    { description: 'Never answers (until the call is cancelled): the hang fault.', inputSchema: {} },
    (_args, extra) => {
      called('hang');
      return new Promise((resolve) => {
        extra.signal.addEventListener('abort', () => resolve({ content: [{ type: 'text', text: 'cancelled' }] }));
      });
    },
  );
  server.registerPrompt(
    'greeting',
    { description: 'A greeting for a name.', argsSchema: { name: z.string() } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }] }),
  );
  server.registerResource('readme', 'sim://files/README.md', { mimeType: 'text/markdown' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/markdown', text: SIM_FILES['README.md'] ?? '' }],
  }));
  return server;
}
