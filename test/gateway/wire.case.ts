// The event scripts every wire encoder (src/gateway/wire.ts) is held to, Hono-style: one table of canonical stream
// scripts, and what a caller's official SDK must make of each. wire-conformance.test.ts runs every script through
// every encoder; a wire that cannot say a thing the way the others do lists it in its own `differs` with the reason.
import type { StreamEvent } from '../../src/providers/types.ts';

/** What a caller ends up holding once its SDK has read the whole stream, in one shape for every API. */
export interface Parsed {
  text: string;
  refusal: string;
  tools: { id: string; name: string; input: unknown }[];
  /** The canonical finish reason the SDK's own value stands for. */
  finish: string;
  usage: { input: number; output: number } | null;
}

export interface WireScript {
  name: string;
  events: StreamEvent[];
  /** Set when the script ends with a failure written as the stream's own error event. */
  failsWith?: { status: number; message: string };
  expect: Parsed | { error: RegExp };
}

const start: StreamEvent = { type: 'start', id: 'msg_conformance', model: 'sim-model' };
const usage = { input_tokens: 11, output_tokens: 7 };

export const WIRE_SCRIPTS: readonly WireScript[] = [
  {
    name: 'text in pieces, then usage',
    events: [start, { type: 'text', text: 'Hel' }, { type: 'text', text: 'lo, ' }, { type: 'text', text: 'world' }, { type: 'finish', finish_reason: 'stop', usage }],
    expect: { text: 'Hello, world', refusal: '', tools: [], finish: 'stop', usage: { input: 11, output: 7 } },
  },
  {
    name: 'text, then two parallel tool calls whose argument pieces interleave',
    events: [
      start,
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'time' },
      { type: 'tool_call_delta', index: 1, arguments: '{"zone":"UTC"' },
      { type: 'tool_call_delta', index: 0, arguments: '"Paris"}' },
      { type: 'tool_call_delta', index: 1, arguments: '}' },
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: 'Checking both.',
      refusal: '',
      tools: [{ id: 'call_a', name: 'weather', input: { city: 'Paris' } }, { id: 'call_b', name: 'time', input: { zone: 'UTC' } }],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'a refusal after some text',
    events: [start, { type: 'text', text: 'Let me see. ' }, { type: 'refusal', text: "I can't help with that." }, { type: 'finish', finish_reason: 'stop', usage }],
    expect: { text: 'Let me see. ', refusal: "I can't help with that.", tools: [], finish: 'refusal', usage: { input: 11, output: 7 } },
  },
  {
    name: 'cut at max_tokens',
    events: [start, { type: 'text', text: 'The answer is lon' }, { type: 'finish', finish_reason: 'length', usage }],
    expect: { text: 'The answer is lon', refusal: '', tools: [], finish: 'length', usage: { input: 11, output: 7 } },
  },
  {
    name: 'a tool call cut at max_tokens mid-arguments',
    events: [
      start,
      { type: 'tool_call_start', index: 0, id: 'call_cut', name: 'write' },
      { type: 'tool_call_delta', index: 0, arguments: '{"path":"a.txt","text":"unfin' },
      { type: 'finish', finish_reason: 'length', usage },
    ],
    expect: { text: '', refusal: '', tools: [{ id: 'call_cut', name: 'write', input: '{"path":"a.txt","text":"unfin' }], finish: 'length', usage: { input: 11, output: 7 } },
  },
  {
    name: 'usage reported only with the finish, after a tool call with no text',
    events: [
      start,
      { type: 'tool_call_start', index: 0, id: 'call_only', name: 'lookup' },
      { type: 'tool_call_delta', index: 0, arguments: '{"q":"x"}' },
      { type: 'finish', finish_reason: 'tool_calls', usage: { input_tokens: 3, output_tokens: 2 } },
    ],
    expect: { text: '', refusal: '', tools: [{ id: 'call_only', name: 'lookup', input: { q: 'x' } }], finish: 'tool_calls', usage: { input: 3, output: 2 } },
  },
  {
    name: 'an upstream failure after content began: the stream error event, which the SDK raises',
    events: [start, { type: 'text', text: 'partial' }],
    failsWith: { status: 502, message: 'upstream connection reset mid-answer' },
    expect: { error: /upstream connection reset mid-answer/ },
  },
];
