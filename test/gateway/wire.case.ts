// The cases every wire (src/gateway/wire.ts) is held to, Hono-style: canonical requests each shape must parse to,
// whole answers and stream scripts, and what a caller's official SDK must make of each answer and stream.
// wire-conformance.test.ts runs every case through every wire; a wire that cannot say a thing the way the others do
// lists it in its own `differs` with the reason.
import type { ChatRequest, ChatResponse, StreamEvent } from '../../src/providers/types.ts';

/** What a caller ends up holding once its SDK has read the whole stream, in one shape for every API. */
export interface Parsed {
  text: string;
  refusal: string;
  tools: { id: string; name: string; input: unknown }[];
  /** The canonical finish reason the SDK's own value stands for. */
  finish: string;
  /** Token counts; `cached` (prompt tokens read from the cache), `cacheWrite` (written to it) and `reasoning` only
   * when the SDK reports more than zero. */
  usage: { input: number; output: number; cached?: number; cacheWrite?: number; reasoning?: number } | null;
  /** The stop sequence that ended the answer, when the SDK names one. */
  stopSequence?: string;
  /** Anthropic thinking blocks, in order, when the SDK holds any. */
  thinking?: ({ thinking: string; signature: string } | { redacted: string })[];
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

/** A whole text block: its start, a delta per piece, its end (the events a decoder writes for one). */
function textBlock(id: string, ...pieces: string[]): StreamEvent[] {
  return [
    { type: 'text_start', id },
    ...pieces.map((text): StreamEvent => ({ type: 'text', text, id })),
    { type: 'text_end', id },
  ];
}

/** A whole signed thinking block. */
function thinkingBlock(id: string, signature: string, ...pieces: string[]): StreamEvent[] {
  return [
    { type: 'thinking_start', id },
    ...pieces.map((thinking): StreamEvent => ({ type: 'thinking', thinking, id })),
    { type: 'thinking_signature', signature, id },
    { type: 'thinking_end', id },
  ];
}

/** A tool call's start, its arguments in one delta (when there are any) and its end. */
function toolBlock(index: number, id: string, name: string, args = ''): StreamEvent[] {
  return [
    { type: 'tool_call_start', index, id, name },
    ...(args === '' ? [] : [{ type: 'tool_call_delta', index, arguments: args, id } satisfies StreamEvent]),
    { type: 'tool_call_end', index, id },
  ];
}

export const WIRE_SCRIPTS: readonly WireScript[] = [
  {
    name: 'text in pieces, then usage',
    events: [start, ...textBlock('txt-0', 'Hel', 'lo, ', 'world'), { type: 'finish', finish_reason: 'stop', usage }],
    expect: { text: 'Hello, world', refusal: '', tools: [], finish: 'stop', usage: { input: 11, output: 7 } },
  },
  {
    name: 'text, then two parallel tool calls whose argument pieces interleave',
    events: [
      start,
      ...textBlock('txt-0', 'Checking both.'),
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":', id: 'call_a' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'time' },
      { type: 'tool_call_delta', index: 1, arguments: '{"zone":"UTC"', id: 'call_b' },
      { type: 'tool_call_delta', index: 0, arguments: '"Paris"}', id: 'call_a' },
      { type: 'tool_call_delta', index: 1, arguments: '}', id: 'call_b' },
      { type: 'tool_call_end', index: 0, id: 'call_a' },
      { type: 'tool_call_end', index: 1, id: 'call_b' },
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: 'Checking both.',
      refusal: '',
      tools: [
        { id: 'call_a', name: 'weather', input: { city: 'Paris' } },
        { id: 'call_b', name: 'time', input: { zone: 'UTC' } },
      ],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'a refusal after some text',
    events: [
      start,
      { type: 'text_start', id: 'txt-0' },
      { type: 'text', text: 'Let me see. ', id: 'txt-0' },
      { type: 'refusal', text: "I can't help with that.", id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'finish', finish_reason: 'stop', usage },
    ],
    expect: {
      text: 'Let me see. ',
      refusal: "I can't help with that.",
      tools: [],
      finish: 'refusal',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'cut at max_tokens',
    events: [start, ...textBlock('txt-0', 'The answer is lon'), { type: 'finish', finish_reason: 'length', usage }],
    expect: { text: 'The answer is lon', refusal: '', tools: [], finish: 'length', usage: { input: 11, output: 7 } },
  },
  {
    name: 'a tool call cut at max_tokens mid-arguments',
    events: [
      start,
      ...toolBlock(0, 'call_cut', 'write', '{"path":"a.txt","text":"unfin'),
      { type: 'finish', finish_reason: 'length', usage },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [{ id: 'call_cut', name: 'write', input: '{"path":"a.txt","text":"unfin' }],
      finish: 'length',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'usage reported only with the finish, after a tool call with no text',
    events: [
      start,
      ...toolBlock(0, 'call_only', 'lookup', '{"q":"x"}'),
      { type: 'finish', finish_reason: 'tool_calls', usage: { input_tokens: 3, output_tokens: 2 } },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [{ id: 'call_only', name: 'lookup', input: { q: 'x' } }],
      finish: 'tool_calls',
      usage: { input: 3, output: 2 },
    },
  },
  {
    name: 'content with no start event before it',
    events: [...textBlock('txt-0', 'No start.'), { type: 'finish', finish_reason: 'stop', usage }],
    expect: { text: 'No start.', refusal: '', tools: [], finish: 'stop', usage: { input: 11, output: 7 } },
  },
  {
    name: 'only a finish: an empty answer',
    events: [{ type: 'finish', finish_reason: 'stop', usage }],
    expect: { text: '', refusal: '', tools: [], finish: 'stop', usage: { input: 11, output: 7 } },
  },
  {
    name: 'no usage reported',
    events: [start, ...textBlock('txt-0', 'hi'), { type: 'finish', finish_reason: 'stop' }],
    expect: { text: 'hi', refusal: '', tools: [], finish: 'stop', usage: null },
  },
  {
    name: 'cached prompt tokens and reasoning tokens in the usage',
    events: [
      start,
      ...textBlock('txt-0', 'ok'),
      {
        type: 'finish',
        finish_reason: 'stop',
        usage: { input_tokens: 120, output_tokens: 30, cache_read_tokens: 100, reasoning_tokens: 12 },
      },
    ],
    expect: {
      text: 'ok',
      refusal: '',
      tools: [],
      finish: 'stop',
      usage: { input: 120, output: 30, cached: 100, reasoning: 12 },
    },
  },
  {
    name: 'prompt tokens written to the cache, in the usage',
    events: [
      start,
      ...textBlock('txt-0', 'ok'),
      { type: 'finish', finish_reason: 'stop', usage: { input_tokens: 100, output_tokens: 5, cache_write_tokens: 60 } },
    ],
    expect: { text: 'ok', refusal: '', tools: [], finish: 'stop', usage: { input: 100, output: 5 } },
  },
  {
    name: "the prompt's usage given at the start too, as an Anthropic upstream does",
    events: [
      { ...start, usage: { input_tokens: 50, output_tokens: 1, cache_read_tokens: 40 } },
      ...textBlock('txt-0', 'ok'),
      { type: 'finish', finish_reason: 'stop', usage: { input_tokens: 50, output_tokens: 9, cache_read_tokens: 40 } },
    ],
    expect: { text: 'ok', refusal: '', tools: [], finish: 'stop', usage: { input: 50, output: 9, cached: 40 } },
  },
  {
    name: 'ended by a stop sequence',
    events: [
      start,
      ...textBlock('txt-0', 'one, two, '),
      { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: 'three', usage },
    ],
    expect: { text: 'one, two, ', refusal: '', tools: [], finish: 'stop', usage: { input: 11, output: 7 } },
  },
  {
    name: 'a paused turn (pause_turn)',
    events: [start, ...textBlock('txt-0', 'Searching.'), { type: 'finish', finish_reason: 'pause_turn', usage }],
    expect: { text: 'Searching.', refusal: '', tools: [], finish: 'stop', usage: { input: 11, output: 7 } },
  },
  {
    name: 'stopped by the content filter',
    events: [start, ...textBlock('txt-0', 'Here is how'), { type: 'finish', finish_reason: 'content_filter', usage }],
    expect: { text: 'Here is how', refusal: '', tools: [], finish: 'content_filter', usage: { input: 11, output: 7 } },
  },
  {
    name: 'a refusal alone, in pieces',
    events: [
      start,
      { type: 'text_start', id: 'txt-0' },
      { type: 'refusal', text: "I can't", id: 'txt-0' },
      { type: 'refusal', text: ' help with that.', id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'finish', finish_reason: 'stop', usage },
    ],
    expect: {
      text: '',
      refusal: "I can't help with that.",
      tools: [],
      finish: 'refusal',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'a tool call with no arguments',
    events: [start, ...toolBlock(0, 'call_none', 'now'), { type: 'finish', finish_reason: 'tool_calls', usage }],
    expect: {
      text: '',
      refusal: '',
      tools: [{ id: 'call_none', name: 'now', input: {} }],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'two interleaved tool calls, then text after them',
    events: [
      start,
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":', id: 'call_a' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'time' },
      { type: 'tool_call_delta', index: 1, arguments: '{"zone":"UTC"}', id: 'call_b' },
      { type: 'tool_call_delta', index: 0, arguments: '"Paris"}', id: 'call_a' },
      { type: 'tool_call_end', index: 0, id: 'call_a' },
      { type: 'tool_call_end', index: 1, id: 'call_b' },
      ...textBlock('txt-0', 'Asked both.'),
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: 'Asked both.',
      refusal: '',
      tools: [
        { id: 'call_a', name: 'weather', input: { city: 'Paris' } },
        { id: 'call_b', name: 'time', input: { zone: 'UTC' } },
      ],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'a finished tool call whose arguments are not a JSON object',
    events: [
      start,
      ...toolBlock(0, 'call_bad', 'run', 'ls -la'),
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [{ id: 'call_bad', name: 'run', input: 'ls -la' }],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'signed thinking in pieces and a redacted block, then text',
    events: [
      start,
      ...thinkingBlock('rsn-0', 'sig-one', 'Let me ', 'think.'),
      { type: 'redacted_thinking', data: 'opaque==', id: 'rsn-1' },
      ...textBlock('txt-2', 'Thought it through.'),
      { type: 'finish', finish_reason: 'stop', usage },
    ],
    expect: {
      text: 'Thought it through.',
      refusal: '',
      tools: [],
      finish: 'stop',
      usage: { input: 11, output: 7 },
      thinking: [{ thinking: 'Let me think.', signature: 'sig-one' }, { redacted: 'opaque==' }],
    },
  },
  {
    name: 'two signed thinking blocks one after the other, then a tool call',
    events: [
      start,
      ...thinkingBlock('rsn-0', 'sig-a', 'First.'),
      ...thinkingBlock('rsn-1', 'sig-b', 'Second.'),
      ...toolBlock(0, 'call_t', 'weather', '{"city":"Oslo"}'),
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [{ id: 'call_t', name: 'weather', input: { city: 'Oslo' } }],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
      thinking: [
        { thinking: 'First.', signature: 'sig-a' },
        { thinking: 'Second.', signature: 'sig-b' },
      ],
    },
  },
  {
    name: 'an upstream failure after content began: the stream error event, which the SDK raises',
    events: [start, { type: 'text_start', id: 'txt-0' }, { type: 'text', text: 'partial', id: 'txt-0' }],
    failsWith: { status: 502, message: 'upstream connection reset mid-answer' },
    expect: { error: /upstream connection reset mid-answer/ },
  },
  // Block boundaries: each block is written where its start and end say, whatever the wire makes of it.
  {
    name: 'three parallel tool calls that end out of order, one with no arguments',
    events: [
      start,
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'now' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":', id: 'call_a' },
      { type: 'tool_call_end', index: 1, id: 'call_b' },
      { type: 'tool_call_start', index: 2, id: 'call_c', name: 'time' },
      { type: 'tool_call_delta', index: 2, arguments: '{"zone":"UTC"}', id: 'call_c' },
      { type: 'tool_call_delta', index: 0, arguments: '"Rome"}', id: 'call_a' },
      { type: 'tool_call_end', index: 2, id: 'call_c' },
      { type: 'tool_call_end', index: 0, id: 'call_a' },
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [
        { id: 'call_a', name: 'weather', input: { city: 'Rome' } },
        { id: 'call_b', name: 'now', input: {} },
        { id: 'call_c', name: 'time', input: { zone: 'UTC' } },
      ],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'tool calls one after the other, each ended before the next starts',
    events: [
      start,
      ...textBlock('txt-0', 'Two lookups.'),
      ...toolBlock(0, 'call_a', 'lookup', '{"q":"a"}'),
      ...toolBlock(1, 'call_b', 'lookup', '{"q":"b"}'),
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: 'Two lookups.',
      refusal: '',
      tools: [
        { id: 'call_a', name: 'lookup', input: { q: 'a' } },
        { id: 'call_b', name: 'lookup', input: { q: 'b' } },
      ],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'tool calls one after the other, their arguments in pieces',
    events: [
      start,
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'lookup' },
      { type: 'tool_call_delta', index: 0, arguments: '{"q":', id: 'call_a' },
      { type: 'tool_call_delta', index: 0, arguments: '"a"}', id: 'call_a' },
      { type: 'tool_call_end', index: 0, id: 'call_a' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'lookup' },
      { type: 'tool_call_delta', index: 1, arguments: '{"q":', id: 'call_b' },
      { type: 'tool_call_delta', index: 1, arguments: '"b"}', id: 'call_b' },
      { type: 'tool_call_end', index: 1, id: 'call_b' },
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [
        { id: 'call_a', name: 'lookup', input: { q: 'a' } },
        { id: 'call_b', name: 'lookup', input: { q: 'b' } },
      ],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'thinking, then text, then thinking and text again (interleaved thinking)',
    events: [
      start,
      ...thinkingBlock('rsn-0', 'sig-1', 'Plan.'),
      ...textBlock('txt-1', 'Step one. '),
      ...thinkingBlock('rsn-2', 'sig-2', 'Check.'),
      ...textBlock('txt-3', 'Step two.'),
      { type: 'finish', finish_reason: 'stop', usage },
    ],
    expect: {
      text: 'Step one. Step two.',
      refusal: '',
      tools: [],
      finish: 'stop',
      usage: { input: 11, output: 7 },
      thinking: [
        { thinking: 'Plan.', signature: 'sig-1' },
        { thinking: 'Check.', signature: 'sig-2' },
      ],
    },
  },
  {
    name: 'a thinking block that holds only its signature, then text',
    events: [
      start,
      { type: 'thinking_start', id: 'rsn-0' },
      { type: 'thinking_signature', signature: 'sig-only', id: 'rsn-0' },
      { type: 'thinking_end', id: 'rsn-0' },
      ...textBlock('txt-1', 'Done.'),
      { type: 'finish', finish_reason: 'stop', usage },
    ],
    expect: {
      text: 'Done.',
      refusal: '',
      tools: [],
      finish: 'stop',
      usage: { input: 11, output: 7 },
      thinking: [{ thinking: '', signature: 'sig-only' }],
    },
  },
  {
    name: 'a redacted block between two signed ones, then a tool call',
    events: [
      start,
      ...thinkingBlock('rsn-0', 'sig-a', 'One.'),
      { type: 'redacted_thinking', data: 'hidden==', id: 'rsn-1' },
      ...thinkingBlock('rsn-2', 'sig-b', 'Two.'),
      ...toolBlock(0, 'call_r', 'lookup', '{"q":"r"}'),
      { type: 'finish', finish_reason: 'tool_calls', usage },
    ],
    expect: {
      text: '',
      refusal: '',
      tools: [{ id: 'call_r', name: 'lookup', input: { q: 'r' } }],
      finish: 'tool_calls',
      usage: { input: 11, output: 7 },
      thinking: [
        { thinking: 'One.', signature: 'sig-a' },
        { redacted: 'hidden==' },
        { thinking: 'Two.', signature: 'sig-b' },
      ],
    },
  },
  {
    name: 'a refusal after text and a tool call',
    events: [
      start,
      ...textBlock('txt-0', 'Looking it up.'),
      ...toolBlock(0, 'call_q', 'lookup', '{"q":"x"}'),
      { type: 'text_start', id: 'txt-1' },
      { type: 'refusal', text: 'I will not go on.', id: 'txt-1' },
      { type: 'text_end', id: 'txt-1' },
      { type: 'finish', finish_reason: 'stop', usage },
    ],
    expect: {
      text: 'Looking it up.',
      refusal: 'I will not go on.',
      tools: [{ id: 'call_q', name: 'lookup', input: { q: 'x' } }],
      finish: 'refusal',
      usage: { input: 11, output: 7 },
    },
  },
  {
    name: 'a failure while a tool call is open',
    events: [
      start,
      { type: 'tool_call_start', index: 0, id: 'call_open', name: 'write' },
      { type: 'tool_call_delta', index: 0, arguments: '{"path":', id: 'call_open' },
    ],
    failsWith: { status: 502, message: 'upstream connection reset in a tool call' },
    expect: { error: /upstream connection reset in a tool call/ },
  },
];

/** A request as its caller means it, in one form for every API: what the gateway must read from the wire body. */
export interface RequestView {
  /** The system prompt, when there is one. */
  system?: string;
  turns: {
    role: 'user' | 'assistant' | 'tool';
    text: string;
    calls?: { id: string; name: string; input: unknown }[];
    /** For a tool turn: the call it answers. */
    answers?: string;
  }[];
  tools?: { name: string; description: string; parameters: Record<string, unknown> }[];
  /** `auto`, `required`, `none`, or the one tool's name. */
  toolChoice?: string;
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  /** The schema's name when the caller asks for a JSON answer of a schema. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
}

/** A canonical request → its view; what every shape's parse is compared by. */
export function viewOf(req: ChatRequest): RequestView {
  const view: RequestView = { turns: [] };
  for (const m of req.messages) {
    if (m.role === 'system') {
      view.system = view.system === undefined ? (m.content ?? '') : `${view.system}\n${m.content ?? ''}`;
      continue;
    }
    const turn: RequestView['turns'][number] = { role: m.role, text: m.content ?? '' };
    if (m.tool_calls && m.tool_calls.length > 0)
      turn.calls = m.tool_calls.map((c) => ({ id: c.id, name: c.name, input: JSON.parse(c.arguments) as unknown }));
    if (m.tool_call_id !== undefined) turn.answers = m.tool_call_id;
    view.turns.push(turn);
  }
  if (req.tools)
    view.tools = req.tools.map((t) => ({ name: t.name, description: t.description ?? '', parameters: t.parameters }));
  if (req.tool_choice !== undefined)
    view.toolChoice = typeof req.tool_choice === 'string' ? req.tool_choice : req.tool_choice.name;
  if (req.max_tokens !== undefined) view.maxTokens = req.max_tokens;
  if (req.temperature !== undefined) view.temperature = req.temperature;
  if (req.stop !== undefined) view.stop = req.stop;
  const format = req.response_format;
  if (format?.type === 'json_schema')
    view.jsonSchema = { name: format.json_schema.name, schema: format.json_schema.schema ?? {} };
  return view;
}

/** A request every shape can say (max_tokens included: the Messages API requires it). */
export interface RequestCase {
  name: string;
  request: RequestView;
}

const weatherTool = {
  name: 'weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export const REQUEST_CASES: readonly RequestCase[] = [
  {
    name: 'a system prompt and one user turn, with max_tokens and temperature',
    request: {
      system: 'Be brief.',
      turns: [{ role: 'user', text: 'Hello' }],
      maxTokens: 200,
      temperature: 0.5,
    },
  },
  {
    name: 'a tool, a tool_choice naming it, and a turn of calling it and reading its result',
    request: {
      turns: [
        { role: 'user', text: 'Weather in Paris?' },
        { role: 'assistant', text: '', calls: [{ id: 'call_w1', name: 'weather', input: { city: 'Paris' } }] },
        { role: 'tool', text: 'Sunny, 21°C', answers: 'call_w1' },
      ],
      tools: [weatherTool],
      toolChoice: 'weather',
      maxTokens: 100,
    },
  },
  {
    name: 'tool_choice required',
    request: {
      turns: [{ role: 'user', text: 'Check the weather.' }],
      tools: [weatherTool],
      toolChoice: 'required',
      maxTokens: 100,
    },
  },
  {
    name: 'stop sequences',
    request: { turns: [{ role: 'user', text: 'Count.' }], stop: ['five', 'END'], maxTokens: 50 },
  },
  {
    name: 'an answer asked for as JSON of a schema',
    request: {
      turns: [{ role: 'user', text: 'Name a colour.' }],
      maxTokens: 100,
      jsonSchema: {
        name: 'colour',
        schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      },
    },
  },
];

export interface AnswerCase {
  /** The stream script whose outcome this whole answer must have, in every shape (and its `differs` rows). */
  script: string;
  response: ChatResponse;
}

const answer = (fields: Partial<ChatResponse>): ChatResponse => ({
  id: 'msg_conformance',
  model: 'sim-model',
  content: '',
  tool_calls: [],
  finish_reason: 'stop',
  usage,
  ...fields,
});

export const ANSWER_CASES: readonly AnswerCase[] = [
  { script: 'text in pieces, then usage', response: answer({ content: 'Hello, world' }) },
  {
    script: 'text, then two parallel tool calls whose argument pieces interleave',
    response: answer({
      content: 'Checking both.',
      tool_calls: [
        { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { id: 'call_b', name: 'time', arguments: '{"zone":"UTC"}' },
      ],
      finish_reason: 'tool_calls',
    }),
  },
  {
    script: 'a refusal after some text',
    response: answer({ content: 'Let me see. ', refusal: "I can't help with that." }),
  },
  { script: 'cut at max_tokens', response: answer({ content: 'The answer is lon', finish_reason: 'length' }) },
  {
    script: 'a tool call cut at max_tokens mid-arguments',
    response: answer({
      tool_calls: [{ id: 'call_cut', name: 'write', arguments: '{"path":"a.txt","text":"unfin' }],
      finish_reason: 'length',
    }),
  },
  {
    script: 'cached prompt tokens and reasoning tokens in the usage',
    response: answer({
      content: 'ok',
      usage: { input_tokens: 120, output_tokens: 30, cache_read_tokens: 100, reasoning_tokens: 12 },
    }),
  },
  {
    script: 'prompt tokens written to the cache, in the usage',
    response: answer({ content: 'ok', usage: { input_tokens: 100, output_tokens: 5, cache_write_tokens: 60 } }),
  },
  {
    script: 'ended by a stop sequence',
    response: answer({ content: 'one, two, ', finish_reason: 'stop_sequence', stop_sequence: 'three' }),
  },
  { script: 'a paused turn (pause_turn)', response: answer({ content: 'Searching.', finish_reason: 'pause_turn' }) },
  {
    script: 'stopped by the content filter',
    response: answer({ content: 'Here is how', finish_reason: 'content_filter' }),
  },
  {
    script: 'a tool call with no arguments',
    response: answer({ tool_calls: [{ id: 'call_none', name: 'now', arguments: '{}' }], finish_reason: 'tool_calls' }),
  },
  {
    script: 'a finished tool call whose arguments are not a JSON object',
    response: answer({
      tool_calls: [{ id: 'call_bad', name: 'run', arguments: 'ls -la' }],
      finish_reason: 'tool_calls',
    }),
  },
  {
    script: 'signed thinking in pieces and a redacted block, then text',
    response: answer({
      content: 'Thought it through.',
      thinking: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig-one' },
        { type: 'redacted_thinking', data: 'opaque==' },
      ],
    }),
  },
];
