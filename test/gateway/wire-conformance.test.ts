// Wire conformance: every script of wire.case.ts through each of the three encoders the gateway streams with (OpenAI
// chat completions, Anthropic messages, OpenAI Responses), and the result read by that API's official SDK — its own
// stream parser and accumulator (finalChatCompletion, finalMessage, finalResponse), handed the SSE text through the
// SDK's `fetch` option. What a caller holds must be the same whichever shape it speaks; where a shape cannot say a
// thing the way the others do, the wire's `differs` says how and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicWire, openaiWire, responsesWire, type WireApi } from '../../src/gateway/wire.ts';
import { ApiError } from '../../src/gateway/api-error.ts';
import { WIRE_SCRIPTS, type Parsed, type WireScript } from './wire.case.ts';

interface WireUnderTest {
  name: string;
  wire: WireApi;
  body: object;
  /** Reads the SSE text with the official SDK, as a caller of this shape would. */
  read(sse: string): Promise<Parsed>;
  /** Scripts whose result this shape says differently: the result it gives instead, and why. */
  differs?: Record<string, { expect: WireScript['expect']; reason: string }>;
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
  async read(sse) {
    const client = new OpenAI({
      apiKey: 'sk-wire',
      baseURL: 'http://wire.invalid/v1',
      fetch: sseFetch(sse),
      maxRetries: 0,
    });
    const done = await client.chat.completions
      .stream({ model: 'main', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } })
      .finalChatCompletion();
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
  differs: withoutThinking('Chat Completions'),
};

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
  const reason = `${shape} has no place for Anthropic's signed thinking blocks: they are left out (docs/gateway.md)`;
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
  async read(sse) {
    const client = new Anthropic({
      apiKey: 'sk-wire',
      baseURL: 'http://wire.invalid',
      fetch: sseFetch(sse),
      maxRetries: 0,
    });
    const message = await client.messages
      .stream({ model: 'main', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
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
  async read(sse) {
    const client = new OpenAI({
      apiKey: 'sk-wire',
      baseURL: 'http://wire.invalid/v1',
      fetch: sseFetch(sse),
      maxRetries: 0,
    });
    const response = await client.responses.stream({ model: 'main', input: 'hi' }).finalResponse();
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
  differs: withoutThinking('The Responses API'),
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

for (const w of WIRES) {
  for (const script of WIRE_SCRIPTS) {
    const differs = w.differs?.[script.name];
    test(`${w.name}: ${script.name}${differs ? ` (differs: ${differs.reason})` : ''}`, async () => {
      const sse = encode(w, script);
      const expected = differs?.expect ?? script.expect;
      if ('error' in expected) {
        await assert.rejects(w.read(sse), (err: Error) => {
          assert.match(err.message, expected.error);
          return true;
        });
        return;
      }
      assert.deepEqual(await w.read(sse), expected);
    });
  }
}
