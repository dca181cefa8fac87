// A streamed answer as the fake upstream sends it, in either shape: OpenAI chat completion chunks or Anthropic message
// events. The first content chunk comes `firstMs` after the request, then one every `intervalMs` until `chunks` have
// gone, each its own write (one upstream read for the proxy in front), then the finish, usage and end marker at once.
import type { ServerResponse } from 'node:http';

export type StreamShape = 'openai' | 'anthropic';

export interface StreamPace {
  /** Content chunks per answer. */
  chunks: number;
  intervalMs: number;
  /** Delay before the first chunk (the model's time to first token). */
  firstMs: number;
}

export const DEFAULT_PACE: StreamPace = { chunks: 200, intervalMs: 20, firstMs: 50 };

/** Gives the fake upstream at `upstreamUrl` (bench/serve.ts `upstream`) the pace of the streams it answers next. */
export async function setStreamPace(upstreamUrl: string, pace: StreamPace): Promise<void> {
  const res = await fetch(`${upstreamUrl}/bench/stream`, {
    method: 'POST',
    body: JSON.stringify({ chunks: pace.chunks, intervalMs: pace.intervalMs, firstMs: pace.firstMs }),
  });
  if (res.status !== 204) throw new Error(`the fake upstream refused the pace: ${res.status}`);
}

const WORD = ' token';

function openaiChunk(delta: object, finish: string | null): string {
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'bench-model',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function anthropicEvent(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

interface Frames {
  first: Buffer;
  next: Buffer;
  last: Buffer;
}

function openaiFrames(chunks: number): Frames {
  const usage = { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks };
  return {
    first: Buffer.from(openaiChunk({ role: 'assistant', content: 'Hello' }, null)),
    next: Buffer.from(openaiChunk({ content: WORD }, null)),
    last: Buffer.from(
      `${openaiChunk({}, 'stop')}data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-model', choices: [], usage })}\n\ndata: [DONE]\n\n`,
    ),
  };
}

function anthropicFrames(chunks: number): Frames {
  const delta = (text: string) =>
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  const message = {
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model: 'claude-bench',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 1 },
  };
  return {
    first: Buffer.from(
      anthropicEvent('message_start', { message }) +
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        delta('Hello'),
    ),
    next: Buffer.from(delta(WORD)),
    last: Buffer.from(
      anthropicEvent('content_block_stop', { index: 0 }) +
        anthropicEvent('message_delta', {
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: chunks },
        }) +
        anthropicEvent('message_stop', {}),
    ),
  };
}

const cache = new Map<string, Frames>();

function framesFor(shape: StreamShape, chunks: number): Frames {
  const key = `${shape}:${chunks}`;
  let frames = cache.get(key);
  if (!frames) {
    frames = shape === 'openai' ? openaiFrames(chunks) : anthropicFrames(chunks);
    cache.set(key, frames);
  }
  return frames;
}

/** Sends one paced answer; stops early if the caller goes. */
export function streamAnswer(shape: StreamShape, pace: StreamPace, res: ServerResponse): void {
  const frames = framesFor(shape, pace.chunks);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    if (res.destroyed) return;
    res.write(sent === 0 ? frames.first : frames.next);
    sent++;
    if (sent < pace.chunks) {
      timer = setTimeout(tick, pace.intervalMs);
      return;
    }
    res.end(frames.last);
  };
  timer = setTimeout(tick, pace.firstMs);
  res.once('close', () => clearTimeout(timer));
}
