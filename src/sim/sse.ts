// Server-sent events as both APIs write them. A stream is planned as frames in three parts, so faults can cut it
// at a meaningful place: `head` (lifecycle frames, before any content), `deltas` (content), `tail` (the end).
export interface SseFrame {
  /** Anthropic names every event; OpenAI sends bare `data:` lines. */
  event?: string;
  data: string;
  /** An AWS event stream's exception message (its `event` the exception's name), not an event. */
  exception?: boolean;
  /** The answer content this frame delivers (not sent): what a stream cut after it has billed (billing.ts). */
  content?: FrameContent;
}

export interface FrameContent {
  text?: string;
  args?: string;
  thinking?: string;
}

export interface StreamPlan {
  head: SseFrame[];
  deltas: SseFrame[];
  tail: SseFrame[];
  /** The in-stream error event this API sends (used by `stream_error`). */
  error: SseFrame;
}

export function formatFrame(frame: SseFrame): string {
  return `${frame.event ? `event: ${frame.event}\n` : ''}data: ${frame.data}\n\n`;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** Splits text into word-sized deltas ("Hello ", "world"), so a stream has several content events to cut between. */
export function wordPieces(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  return pieces.length > 0 ? pieces : [text];
}

/** Splits tool-call arguments into two deltas, as real streams send JSON in fragments. */
export function halves(text: string): string[] {
  const mid = Math.ceil(text.length / 2);
  return [text.slice(0, mid), text.slice(mid)].filter((s) => s !== '');
}
