// Wire conformance: every case of wire.case.ts through each of the three wires the gateway speaks (OpenAI
// chat completions, Anthropic messages, OpenAI Responses): a request case written in the shape (typed by its SDK) must
// parse to the same request; a whole answer and a stream must be read by that API's official SDK — its own parser and
// accumulator (finalChatCompletion, finalMessage, finalResponse), handed our JSON or SSE text through the SDK's `fetch`
// option — as the same result. Where a shape cannot say a thing the way the others do, the wire's `differs` (or
// `requestDiffers`) says how and why. A fourth shape is one more WireUnderTest in WIRES. Every stream script's frames
// must also be, byte for byte, the ones recorded in test/fixtures/wire-frames.json: what the encoders wrote before
// stream events had block boundaries (each script with its boundaries left out), except where FRAMES_CHANGED says
// why, so a change to an encoder that a client could notice shows here (WIRE_FRAMES=record rewrites the file, for a
// change meant to be seen).
import { readFileSync, writeFileSync } from 'node:fs';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicWire, openaiWire, responsesWire, type WireApi } from '../../src/gateway/wire.ts';
import { anthropicErrorBody, ApiError, openaiErrorBody } from '../../src/gateway/answer/api-error.ts';
import type { ChatResponse } from '../../src/providers/types.ts';
import {
  ANSWER_CASES,
  REQUEST_CASES,
  viewOf,
  WIRE_SCRIPTS,
  type Parsed,
  type RequestView,
  type WireScript,
} from './wire.case.ts';

interface WireUnderTest {
  name: string;
  wire: WireApi;
  body: object;
  /** Reads the answer with the official SDK, as a caller of this shape would: the SSE text of a stream (through the
   * SDK's stream helper) or a whole answer, whichever `fetch` gives. */
  read(fetch: typeof globalThis.fetch, stream: boolean): Promise<Parsed>;
  /** The body a caller of this shape sends for a request case (typed by the shape's SDK). */
  write(view: RequestView): object;
  /** Scripts whose result this shape says differently: the result it gives instead, and why. */
  differs?: Record<string, { expect: WireScript['expect']; reason: string }>;
  /** Request cases this shape reads differently: the view it gives instead, and why. */
  requestDiffers?: Record<string, { expect: RequestView; reason: string }>;
}

/** A fetch that answers every request with the given SSE text, so the SDK parses exactly what the encoder wrote. */
function sseFetch(sse: string): typeof fetch {
  return async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** A usage in the shape of `Parsed`: the optional counts only when there are some. */
function counts(
  input: number,
  output: number,
  more: { cached?: number | null; cacheWrite?: number | null; reasoning?: number | null },
): Parsed['usage'] {
  const usage: NonNullable<Parsed['usage']> = { input, output };
  for (const key of ['cached', 'cacheWrite', 'reasoning'] as const) {
    const n = more[key];
    if (n) usage[key] = n;
  }
  return usage;
}

/** Tool arguments as the caller would use them: the object, or the text as it came when it is not JSON (cut short). */
function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text) as unknown;
  } catch {
    return text;
  }
}

const OPENAI_CHAT: WireUnderTest = {
  name: 'OpenAI chat completions',
  wire: openaiWire,
  body: {
    model: 'main',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hi' }],
  },
  async read(fetch, stream) {
    const client = new OpenAI({
      apiKey: 'sk-wire',
      baseURL: 'http://wire.invalid/v1',
      fetch,
      maxRetries: 0,
    });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
    const done = stream
      ? await client.chat.completions
          .stream({ model: 'main', messages, stream_options: { include_usage: true } })
          .finalChatCompletion()
      : await client.chat.completions.create({ model: 'main', messages });
    const choice = done.choices[0]!;
    const refusal = choice.message.refusal ?? '';
    return {
      text: choice.message.content ?? '',
      refusal,
      tools: (choice.message.tool_calls ?? []).flatMap((t) =>
        t.type === 'function' ? [{ id: t.id, name: t.function.name, input: parseArgs(t.function.arguments) }] : [],
      ),
      finish: refusal !== '' ? 'refusal' : choice.finish_reason,
      usage: done.usage
        ? counts(done.usage.prompt_tokens, done.usage.completion_tokens, {
            cached: done.usage.prompt_tokens_details?.cached_tokens,
            reasoning: done.usage.completion_tokens_details?.reasoning_tokens,
          })
        : null,
    };
  },
  write(view) {
    const messages: OpenAI.ChatCompletionMessageParam[] = [];
    if (view.system !== undefined) messages.push({ role: 'system', content: view.system });
    for (const t of view.turns) {
      if (t.role === 'user') messages.push({ role: 'user', content: t.text });
      else if (t.role === 'tool') messages.push({ role: 'tool', tool_call_id: t.answers ?? '', content: t.text });
      else
        messages.push({
          role: 'assistant',
          content: t.text === '' ? null : t.text,
          ...(t.calls && {
            tool_calls: t.calls.map((c) => ({
              id: c.id,
              type: 'function' as const,
              function: { name: c.name, arguments: JSON.stringify(c.input) },
            })),
          }),
        });
    }
    const body: OpenAI.ChatCompletionCreateParamsNonStreaming = { model: 'main', messages };
    if (view.tools) body.tools = view.tools.map((t) => ({ type: 'function', function: t }));
    if (view.toolChoice !== undefined)
      body.tool_choice = isMode(view.toolChoice)
        ? view.toolChoice
        : { type: 'function', function: { name: view.toolChoice } };
    if (view.maxTokens !== undefined) body.max_completion_tokens = view.maxTokens;
    if (view.temperature !== undefined) body.temperature = view.temperature;
    if (view.stop !== undefined) body.stop = view.stop;
    if (view.jsonSchema) body.response_format = { type: 'json_schema', json_schema: view.jsonSchema };
    return body;
  },
  differs: withoutThinking('Chat Completions'),
};

/** A tool_choice that is a mode rather than one tool's name. */
function isMode(choice: string): choice is 'auto' | 'required' | 'none' {
  return choice === 'auto' || choice === 'required' || choice === 'none';
}

/** The thinking blocks of a message, when it has any. */
function thinkingOf(content: readonly Anthropic.ContentBlock[]): Pick<Parsed, 'thinking'> {
  const thinking = content.flatMap((b): NonNullable<Parsed['thinking']> =>
    b.type === 'thinking'
      ? [{ thinking: b.thinking, signature: b.signature }]
      : b.type === 'redacted_thinking'
        ? [{ redacted: b.data }]
        : [],
  );
  return thinking.length > 0 ? { thinking } : {};
}

/** The `differs` rows of a shape that has no place for Anthropic's signed thinking blocks. */
function withoutThinking(shape: string): NonNullable<WireUnderTest['differs']> {
  const reason = `${shape} has no place for Anthropic's signed thinking blocks: they are left out (docs/shapes.md#thinking-blocks)`;
  const rows: NonNullable<WireUnderTest['differs']> = {};
  for (const script of WIRE_SCRIPTS) {
    if (!('text' in script.expect) || script.expect.thinking === undefined) continue;
    const { thinking: _left, ...expect } = script.expect;
    rows[script.name] = { expect, reason };
  }
  return rows;
}

const ANTHROPIC: WireUnderTest = {
  name: 'Anthropic messages',
  wire: anthropicWire,
  body: { model: 'main', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] },
  async read(fetch, stream) {
    const client = new Anthropic({
      apiKey: 'sk-wire',
      baseURL: 'http://wire.invalid',
      fetch,
      maxRetries: 0,
    });
    const ask = { model: 'main', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };
    const message = stream ? await client.messages.stream(ask).finalMessage() : await client.messages.create(ask);
    const finish: Record<string, string> = {
      end_turn: 'stop',
      max_tokens: 'length',
      tool_use: 'tool_calls',
      refusal: 'refusal',
      stop_sequence: 'stop_sequence',
      pause_turn: 'pause_turn',
    };
    const { usage } = message;
    const read = usage.cache_read_input_tokens ?? 0;
    const write = usage.cache_creation_input_tokens ?? 0;
    return {
      text: message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
      refusal: '',
      tools: message.content.flatMap((b) =>
        b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [],
      ),
      finish: finish[message.stop_reason ?? ''] ?? String(message.stop_reason),
      // Anthropic's input_tokens is only the uncached rest of the prompt (see src/providers/translate/usage.ts).
      usage: counts(usage.input_tokens + read + write, usage.output_tokens, {
        cached: read,
        cacheWrite: write,
        reasoning: usage.output_tokens_details?.thinking_tokens,
      }),
      ...(message.stop_sequence !== null ? { stopSequence: message.stop_sequence } : {}),
      ...thinkingOf(message.content),
    };
  },
  write(view) {
    const messages: Anthropic.MessageParam[] = view.turns.map((t): Anthropic.MessageParam => {
      if (t.role === 'user') return { role: 'user', content: t.text };
      if (t.role === 'tool')
        return { role: 'user', content: [{ type: 'tool_result', tool_use_id: t.answers ?? '', content: t.text }] };
      const content: Anthropic.ContentBlockParam[] = t.text === '' ? [] : [{ type: 'text', text: t.text }];
      for (const c of t.calls ?? []) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.input });
      return { role: 'assistant', content };
    });
    // max_tokens is required in this shape; every request case sets it.
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'main',
      max_tokens: view.maxTokens ?? 0,
      messages,
    };
    if (view.system !== undefined) body.system = view.system;
    if (view.tools)
      body.tools = view.tools.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: { ...t.parameters, type: 'object' },
      }));
    if (view.toolChoice !== undefined)
      body.tool_choice =
        view.toolChoice === 'auto' || view.toolChoice === 'none'
          ? { type: view.toolChoice }
          : view.toolChoice === 'required'
            ? { type: 'any' }
            : { type: 'tool', name: view.toolChoice };
    if (view.stop !== undefined) body.stop_sequences = view.stop;
    if (view.jsonSchema) body.output_config = { format: { type: 'json_schema', schema: view.jsonSchema.schema } };
    // The SDK's types no longer name temperature; the API and the gateway still take it.
    return view.temperature === undefined ? body : { ...body, temperature: view.temperature };
  },
  requestDiffers: {
    'an answer asked for as JSON of a schema': {
      expect: {
        turns: [{ role: 'user', text: 'Name a colour.' }],
        maxTokens: 100,
        jsonSchema: {
          name: 'output',
          schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      },
      reason: "the Messages API's output format names no schema: it is called `output`",
    },
  },
  differs: {
    'a refusal after some text': {
      expect: {
        text: "Let me see. \n\nI can't help with that.",
        refusal: '',
        tools: [],
        finish: 'refusal',
        usage: { input: 11, output: 7 },
      },
      reason:
        'the Messages API has no refusal part: the words follow the text after a blank line, with stop_reason refusal',
    },
    'a tool call cut at max_tokens mid-arguments': {
      expect: {
        text: '',
        refusal: '',
        tools: [{ id: 'call_cut', name: 'write', input: { path: 'a.txt', text: 'unfin' } }],
        finish: 'length',
        usage: { input: 11, output: 7 },
      },
      reason: 'a tool_use input must be an object: the complete part of the arguments, read leniently',
    },
    'no usage reported': {
      expect: { text: 'hi', refusal: '', tools: [], finish: 'stop', usage: { input: 0, output: 0 } },
      reason: 'a message always has a usage: zeros when the upstream gave none',
    },
    'prompt tokens written to the cache, in the usage': {
      expect: { text: 'ok', refusal: '', tools: [], finish: 'stop', usage: { input: 100, output: 5, cacheWrite: 60 } },
      reason: 'only the Messages API counts the prompt tokens written to the cache',
    },
    'ended by a stop sequence': {
      expect: {
        text: 'one, two, ',
        refusal: '',
        tools: [],
        finish: 'stop_sequence',
        usage: { input: 11, output: 7 },
        stopSequence: 'three',
      },
      reason: 'only the Messages API names the stop sequence; the OpenAI shapes say stop',
    },
    'a paused turn (pause_turn)': {
      expect: { text: 'Searching.', refusal: '', tools: [], finish: 'pause_turn', usage: { input: 11, output: 7 } },
      reason: 'only the Messages API has a paused turn; the OpenAI shapes say stop',
    },
    'stopped by the content filter': {
      expect: { text: 'Here is how', refusal: '', tools: [], finish: 'refusal', usage: { input: 11, output: 7 } },
      reason: 'the Messages API has no content-filter stop: it says refusal',
    },
    'a refusal alone, in pieces': {
      expect: {
        text: "I can't help with that.",
        refusal: '',
        tools: [],
        finish: 'refusal',
        usage: { input: 11, output: 7 },
      },
      reason: 'the Messages API has no refusal part: the words are the text, with stop_reason refusal',
    },
    'a refusal after text and a tool call': {
      expect: {
        text: 'Looking it up.\n\nI will not go on.',
        refusal: '',
        tools: [{ id: 'call_q', name: 'lookup', input: { q: 'x' } }],
        finish: 'refusal',
        usage: { input: 11, output: 7 },
      },
      reason: 'the Messages API has no refusal part: the words are text after a blank line, with stop_reason refusal',
    },
    'a finished tool call whose arguments are not a JSON object': {
      expect: {
        error: /upstream answer was malformed: tool call call_bad \(run\) has arguments that are not a JSON object/,
      },
      reason: 'a tool_use input must be an object: the stream ends with an error event instead of made-up input',
    },
  },
};

const RESPONSES: WireUnderTest = {
  name: 'OpenAI Responses',
  wire: responsesWire,
  body: { model: 'main', stream: true, input: 'hi' },
  async read(fetch, stream) {
    const client = new OpenAI({
      apiKey: 'sk-wire',
      baseURL: 'http://wire.invalid/v1',
      fetch,
      maxRetries: 0,
    });
    const response = stream
      ? await client.responses.stream({ model: 'main', input: 'hi' }).finalResponse()
      : await client.responses.create({ model: 'main', input: 'hi' });
    let text = '';
    let refusal = '';
    const tools: Parsed['tools'] = [];
    for (const item of response.output) {
      if (item.type === 'message') {
        for (const part of item.content) {
          if (part.type === 'output_text') text += part.text;
          else refusal += part.refusal;
        }
      } else if (item.type === 'function_call') {
        tools.push({ id: item.call_id, name: item.name, input: parseArgs(item.arguments) });
      }
    }
    const cut = response.status === 'incomplete' ? response.incomplete_details?.reason : undefined;
    const { usage } = response;
    return {
      text,
      refusal,
      tools,
      finish:
        refusal !== ''
          ? 'refusal'
          : cut === 'max_output_tokens'
            ? 'length'
            : cut === 'content_filter'
              ? 'content_filter'
              : tools.length > 0
                ? 'tool_calls'
                : 'stop',
      usage: usage
        ? counts(usage.input_tokens, usage.output_tokens, {
            cached: usage.input_tokens_details.cached_tokens,
            reasoning: usage.output_tokens_details.reasoning_tokens,
          })
        : null,
    };
  },
  write(view) {
    const input: OpenAI.Responses.ResponseInputItem[] = [];
    for (const t of view.turns) {
      if (t.role === 'user') input.push({ role: 'user', content: t.text });
      else if (t.role === 'tool')
        input.push({ type: 'function_call_output', call_id: t.answers ?? '', output: t.text });
      else {
        if (t.text !== '') input.push({ role: 'assistant', content: t.text });
        for (const c of t.calls ?? [])
          input.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: JSON.stringify(c.input) });
      }
    }
    const body: OpenAI.Responses.ResponseCreateParamsNonStreaming = { model: 'main', input };
    if (view.system !== undefined) body.instructions = view.system;
    if (view.tools)
      body.tools = view.tools.map((t) => ({
        type: 'function',
        name: t.name,
        description: t.description,
        parameters: t.parameters,
        strict: null,
      }));
    if (view.toolChoice !== undefined)
      body.tool_choice = isMode(view.toolChoice) ? view.toolChoice : { type: 'function', name: view.toolChoice };
    if (view.maxTokens !== undefined) body.max_output_tokens = view.maxTokens;
    if (view.temperature !== undefined) body.temperature = view.temperature;
    if (view.jsonSchema)
      body.text = { format: { type: 'json_schema', name: view.jsonSchema.name, schema: view.jsonSchema.schema } };
    return body;
  },
  differs: withoutThinking('The Responses API'),
  requestDiffers: {
    'stop sequences': {
      expect: { turns: [{ role: 'user', text: 'Count.' }], maxTokens: 50 },
      reason: 'the Responses API has no stop sequences',
    },
  },
};

const WIRES: readonly WireUnderTest[] = [OPENAI_CHAT, ANTHROPIC, RESPONSES];

/** The SSE text the gateway would write for a script: every event through the encoder, then its clean end or, when
 * the script fails, the stream's error event. An ApiError the encoder throws ends the stream with that error event,
 * as the gateway's stream does (routes/serve-chat.ts). */
function encode(w: WireUnderTest, script: WireScript): string {
  const encoder = w.wire.streamEncoder(w.wire.parse(w.body));
  let sse = '';
  try {
    for (const ev of script.events) sse += encoder.encode(ev);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return sse + encoder.error(err);
  }
  sse += script.failsWith
    ? encoder.error(new ApiError('upstream', script.failsWith.message, { code: 'upstream_error' }))
    : encoder.end();
  return sse;
}

/** A fetch that answers with the JSON the wire makes of a whole answer, or with the error (in the caller's shape) it
 * throws, as the gateway would (routes/serve-chat.ts). */
function answerFetch(w: WireUnderTest, response: ChatResponse): typeof fetch {
  const parsed = w.wire.parse(w.body);
  let status = 200;
  let body: object;
  try {
    body = w.wire.response(response, parsed);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    status = err.status;
    body = w.wire.api === 'anthropic' ? anthropicErrorBody(err) : openaiErrorBody(err);
  }
  return async () => Response.json(body, { status });
}

/** The outcome a shape must give for a script's name: its own `differs` row, or the script's. */
function expectedFor(w: WireUnderTest, name: string): { expect: WireScript['expect']; reason?: string } {
  const script = WIRE_SCRIPTS.find((s) => s.name === name);
  assert.ok(script, `no stream script is named "${name}"`);
  return w.differs?.[name] ?? { expect: script.expect };
}

async function assertOutcome(read: Promise<Parsed>, expected: WireScript['expect']): Promise<void> {
  if ('error' in expected) {
    await assert.rejects(read, (err: Error) => {
      assert.match(err.message, expected.error);
      return true;
    });
    return;
  }
  assert.deepEqual(await read, expected);
}

/** The SSE text as frames, with what differs from run to run (random ids, clocks) numbered in order of appearance. */
function frames(sse: string): string[] {
  const ids = new Map<string, string>();
  return sse
    .replace(/(msg|fc|ctc|resp)_[0-9a-f]{32}/g, (id, prefix: string) => {
      if (!ids.has(id)) ids.set(id, `${prefix}_${ids.size}`);
      return ids.get(id)!;
    })
    .replace(/"(created|created_at)":\d+/g, '"$1":0')
    .split('\n\n')
    .filter((f) => f !== '');
}

/** Scripts whose frames a wire now writes differently from before block boundaries, on purpose: the file holds the
 * new frames, and why. */
const FRAMES_CHANGED: Record<string, Record<string, string>> = {
  'OpenAI Responses': {
    'tool calls one after the other, their arguments in pieces':
      'a call that starts once the one before it has ended is streamed as it comes (its arguments piece by piece), ' +
      'not gathered and written in one delta at the end',
  },
};

const FRAMES_FILE = new URL('../fixtures/wire-frames.json', import.meta.url);
const recorded = JSON.parse(readFileSync(FRAMES_FILE, 'utf8')) as Record<string, Record<string, string[]>>;
if (process.env['WIRE_FRAMES'] === 'record')
  after(() => writeFileSync(FRAMES_FILE, `${JSON.stringify(recorded, null, 1)}\n`));

for (const w of WIRES) {
  for (const script of WIRE_SCRIPTS) {
    const changed = FRAMES_CHANGED[w.name]?.[script.name];
    test(`${w.name}: ${script.name}: the frames recorded, byte for byte${changed ? ` (changed: ${changed})` : ''}`, () => {
      const written = frames(encode(w, script));
      if (process.env['WIRE_FRAMES'] === 'record') (recorded[w.name] ??= {})[script.name] = written;
      assert.deepEqual(written, recorded[w.name]?.[script.name]);
    });
  }
  for (const c of REQUEST_CASES) {
    const differs = w.requestDiffers?.[c.name];
    test(`${w.name}: parses ${c.name}${differs ? ` (differs: ${differs.reason})` : ''}`, () => {
      assert.deepEqual(viewOf(w.wire.parse(w.write(c.request)).request), differs?.expect ?? c.request);
    });
  }
  for (const a of ANSWER_CASES) {
    const { expect, reason } = expectedFor(w, a.script);
    test(`${w.name}: a whole answer, ${a.script}${reason ? ` (differs: ${reason})` : ''}`, async () => {
      await assertOutcome(w.read(answerFetch(w, a.response), false), expect);
    });
  }
  for (const script of WIRE_SCRIPTS) {
    const differs = w.differs?.[script.name];
    test(`${w.name}: ${script.name}${differs ? ` (differs: ${differs.reason})` : ''}`, async () => {
      await assertOutcome(w.read(sseFetch(encode(w, script)), true), differs?.expect ?? script.expect);
    });
  }
}
