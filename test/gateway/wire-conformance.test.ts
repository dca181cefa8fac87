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
  differs?: Record<string, { expect: Parsed; reason: string }>;
}

/** A fetch that answers every request with the given SSE text, so the SDK parses exactly what the encoder wrote. */
function sseFetch(sse: string): typeof fetch {
  return async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
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
  body: { model: 'main', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] },
  async read(sse) {
    const client = new OpenAI({ apiKey: 'sk-wire', baseURL: 'http://wire.invalid/v1', fetch: sseFetch(sse), maxRetries: 0 });
    const done = await client.chat.completions.stream({ model: 'main', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }).finalChatCompletion();
    const choice = done.choices[0]!;
    const refusal = choice.message.refusal ?? '';
    return {
      text: choice.message.content ?? '',
      refusal,
      tools: (choice.message.tool_calls ?? []).flatMap((t) => (t.type === 'function' ? [{ id: t.id, name: t.function.name, input: parseArgs(t.function.arguments) }] : [])),
      finish: refusal !== '' ? 'refusal' : choice.finish_reason,
      usage: done.usage ? { input: done.usage.prompt_tokens, output: done.usage.completion_tokens } : null,
    };
  },
};

const ANTHROPIC: WireUnderTest = {
  name: 'Anthropic messages',
  wire: anthropicWire,
  body: { model: 'main', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] },
  async read(sse) {
    const client = new Anthropic({ apiKey: 'sk-wire', baseURL: 'http://wire.invalid', fetch: sseFetch(sse), maxRetries: 0 });
    const message = await client.messages.stream({ model: 'main', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    const finish: Record<string, string> = { end_turn: 'stop', max_tokens: 'length', tool_use: 'tool_calls', refusal: 'refusal', stop_sequence: 'stop_sequence' };
    return {
      text: message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
      refusal: '',
      tools: message.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [])),
      finish: finish[message.stop_reason ?? ''] ?? String(message.stop_reason),
      usage: { input: message.usage.input_tokens, output: message.usage.output_tokens },
    };
  },
  differs: {
    'a refusal after some text': {
      expect: { text: "Let me see. \n\nI can't help with that.", refusal: '', tools: [], finish: 'refusal', usage: { input: 11, output: 7 } },
      reason: 'the Messages API has no refusal part: the words follow the text after a blank line, with stop_reason refusal',
    },
    'a tool call cut at max_tokens mid-arguments': {
      expect: { text: '', refusal: '', tools: [{ id: 'call_cut', name: 'write', input: { path: 'a.txt', text: 'unfin' } }], finish: 'length', usage: { input: 11, output: 7 } },
      reason: 'a tool_use input must be an object: the complete part of the arguments, read leniently',
    },
  },
};

const RESPONSES: WireUnderTest = {
  name: 'OpenAI Responses',
  wire: responsesWire,
  body: { model: 'main', stream: true, input: 'hi' },
  async read(sse) {
    const client = new OpenAI({ apiKey: 'sk-wire', baseURL: 'http://wire.invalid/v1', fetch: sseFetch(sse), maxRetries: 0 });
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
    const cut = response.status === 'incomplete' && response.incomplete_details?.reason === 'max_output_tokens';
    return {
      text,
      refusal,
      tools,
      finish: refusal !== '' ? 'refusal' : cut ? 'length' : tools.length > 0 ? 'tool_calls' : 'stop',
      usage: response.usage ? { input: response.usage.input_tokens, output: response.usage.output_tokens } : null,
    };
  },
};

const WIRES: readonly WireUnderTest[] = [OPENAI_CHAT, ANTHROPIC, RESPONSES];

/** The SSE text the gateway would write for a script: every event through the encoder, then its clean end or, when
 * the script fails, the stream's error event. */
function encode(w: WireUnderTest, script: WireScript): string {
  const encoder = w.wire.streamEncoder(w.wire.parse(w.body));
  let sse = script.events.map((ev) => encoder.encode(ev)).join('');
  sse += script.failsWith ? encoder.error(new ApiError('upstream', script.failsWith.message, { code: 'upstream_error' })) : encoder.end();
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
