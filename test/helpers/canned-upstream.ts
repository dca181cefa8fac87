// A tiny OpenAI-compatible upstream on loopback that answers each chat call with the next canned reply, for the
// answers the simulator's scenario language has no step for (Gemini's 429 bodies, a 403 "may not use this model", a
// firewall's HTML challenge page).
// Once the list runs out, every call gets `answer`'s reply for its request body (a stream, a refusal chosen by the
// prompt), or a normal answer. Records the key and model of every call.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedReply {
  status: number;
  /** JSON, or a string sent as an HTML page (or as the `content-type` in `headers` says: `text/event-stream`). */
  body: unknown;
  headers?: Record<string, string>;
  /** Writes the reply itself instead (status, headers and body are its own): an answer that never ends, a body far
   * larger than any real one. It should stop writing when `res` closes. */
  send?: (res: ServerResponse) => void;
}

/** `await using up = await startCannedUpstream(…)` closes it when the test's scope ends. */
export interface CannedUpstream extends AsyncDisposable {
  /** OpenAI-style base URL (`http://127.0.0.1:PORT/v1`). */
  baseUrl: string;
  /** `http://127.0.0.1:PORT`: an Anthropic-style base URL. */
  origin: string;
  /** Each call's key, model, path (`/v1/chat/completions`, `/v1/responses`, …) and parsed body. */
  calls: { key: string; model: string; path: string; body: Record<string, unknown> }[];
  /** Replaces the replies still to come. */
  script(replies: CannedReply[]): void;
  close(): Promise<void>;
}

function okAnswer(model: string): unknown {
  return {
    id: 'chatcmpl-canned',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: `[${model}] canned answer` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
  };
}

/** Answers a call from its parsed JSON body (and the URL it was sent to, for an upstream that quotes it), once the
 * canned replies have run out. */
export type CannedAnswer = (
  request: { model?: string; stream?: boolean; messages: { content: unknown }[] },
  sent: { url: string },
) => CannedReply;

export async function startCannedUpstream(replies: CannedReply[] = [], answer?: CannedAnswer): Promise<CannedUpstream> {
  let queue = [...replies];
  const calls: CannedUpstream['calls'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      let request: Parameters<CannedAnswer>[0] = { messages: [] };
      try {
        request = JSON.parse(raw) as Parameters<CannedAnswer>[0];
      } catch {
        // Not JSON: a normal answer, for no model.
      }
      const model = String(request.model ?? '');
      const path = req.url ?? '';
      calls.push({
        key: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
        model,
        path,
        body: request as unknown as Record<string, unknown>,
      });
      const reply = queue.shift() ?? answer?.(request, { url: path }) ?? { status: 200, body: okAnswer(model) };
      if (reply.send !== undefined) return reply.send(res);
      // A string body is sent as it is, as an HTML page (a firewall's challenge page); anything else as JSON.
      const page = typeof reply.body === 'string' ? reply.body : undefined;
      res.writeHead(reply.status, {
        'content-type': page !== undefined ? 'text/html; charset=UTF-8' : 'application/json',
        ...reply.headers,
      });
      res.end(page ?? JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    calls,
    script: (next) => {
      queue = [...next];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  function close(): Promise<void> {
    return new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  }
}
