// Upstream replies no real provider sends, for canned-upstream.ts's `send`: a body of hundreds of megabytes, a stream
// of keep-alives and empty deltas that never ends, and a plain OpenAI answer or stream to fall back to.
import type { ServerResponse } from 'node:http';
import type { CannedReply } from './canned-upstream.ts';

const MIB = 1024 * 1024;

/** Writes `head`, then `total` bytes of `a` a MiB at a time as the reader takes them, then `tail`; stops when the
 * reader goes. */
function pump(res: ServerResponse, head: string, total: number, tail: string): void {
  const chunk = Buffer.alloc(MIB, 'a');
  let sent = 0;
  let closed = false;
  res.on('close', () => (closed = true));
  res.write(head);
  const more = (): void => {
    while (!closed && sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (!closed) res.end(tail);
  };
  more();
}

const ANSWER_HEAD =
  '{"id":"chatcmpl-huge","object":"chat.completion","created":0,"model":"huge","choices":[{"index":0,"message":{"role":"assistant","content":"';
const ANSWER_TAIL = '"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}';

/** A whole JSON answer of `bytes` bytes, with its Content-Length said up front or not (chunked). */
export function hugeAnswer(bytes: number, declared: boolean): CannedReply {
  return {
    status: 200,
    body: null,
    send: (res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(declared ? { 'content-length': String(bytes + ANSWER_HEAD.length + ANSWER_TAIL.length) } : {}),
      });
      pump(res, ANSWER_HEAD, bytes, ANSWER_TAIL);
    },
  };
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** A stream, after `before` content, of one event of `bytes` bytes. */
export function hugeEvent(bytes: number, before: string[] = []): CannedReply {
  return {
    status: 200,
    body: null,
    send: (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const head = [chunk({ role: 'assistant' }), ...before.map((t) => chunk({ content: t }))].join('');
      pump(res, `${head}data: {"choices":[{"index":0,"delta":{"content":"`, bytes, '"}}]}\n\n');
    },
  };
}

/** A stream that, after `before` content, sends only keep-alive comments, empty deltas (no content, tool call or
 * reasoning, in the shapes servers send them) and role chunks, every
 * `everyMs`, until the reader goes. */
export function silentStream(before: string[] = [], everyMs = 50): CannedReply {
  return {
    status: 200,
    body: null,
    send: (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write([chunk({ role: 'assistant', content: '' }), ...before.map((t) => chunk({ content: t }))].join(''));
      const noise = [
        ': keep-alive\n\n',
        chunk({ content: '' }),
        chunk({ role: 'assistant' }),
        ': OPENROUTER PROCESSING\n\n',
        chunk({ content: null }),
        chunk({}),
        chunk({ content: '', tool_calls: [] }),
        chunk({ content: '', reasoning_content: '' }),
      ];
      let n = 0;
      const timer = setInterval(() => res.write(noise[n++ % noise.length]), everyMs);
      res.on('close', () => clearInterval(timer));
    },
  };
}

/** A plain OpenAI answer of `text`, whole or streamed as the request asks. */
export function plainAnswer(text: string, stream: boolean): CannedReply {
  if (!stream)
    return {
      status: 200,
      body: {
        id: 'chatcmpl-plain',
        object: 'chat.completion',
        created: 0,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      },
    };
  return {
    status: 200,
    body: null,
    send: (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${chunk({ role: 'assistant' })}${chunk({ content: text })}${chunk({}, 'stop')}data: [DONE]\n\n`);
    },
  };
}
