// `switchyard sim mcp --stdio`: the simulator's MCP server on stdin/stdout, which a gateway runs as a local server.
// `crashOn`: the process exits when that tool is called (the crash fault), so a test sees it restarted.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { simMcpServer } from './tools.ts';

export interface StdioSimOptions {
  crashOn?: string;
  /** How the process ends on the crash fault (injected: a test of this file runs in-process). */
  exit: (code: number) => void;
}

/** Serves until stdin closes; resolves once connected. */
export async function serveMcpStdio(options: StdioSimOptions): Promise<void> {
  const server = simMcpServer({
    onCall: (tool) => {
      if (tool === options.crashOn) options.exit(3);
    },
  });
  await server.connect(new StdioServerTransport());
}
