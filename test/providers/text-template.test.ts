// Plain text chunks read without JSON.parse once one like them was parsed (providers/text-template.ts): the text must
// be what the parse gives, and anything else around it must go to the parse.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TextTemplate } from '../../src/providers/text-template.ts';
import { plainOpenAIText } from '../../src/providers/openai/stream.ts';
import { plainAnthropicText } from '../../src/providers/anthropic/stream.ts';

const openai = (content: string, extra: Record<string, unknown> = {}, delta: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-x',
    choices: [{ index: 0, delta: { content, ...delta }, logprobs: null, finish_reason: null }],
    ...extra,
  });

const anthropic = (text: string, index = 0): string =>
  JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });

/** A template learnt from `first` (checked plain as the adapter checks it). */
function learnt(first: string): TextTemplate {
  const t = new TextTemplate('"content":"');
  const text = plainOpenAIText(JSON.parse(first));
  assert.ok(text !== undefined && t.learn(first, text));
  return t;
}

const TEXTS = [
  'Hello',
  ' world, "quoted" and \\ back',
  'line\nbreak\ttab',
  'héllo — 日本語 🎉',
  '\u2028 \u0001 control',
  '"',
  '\\',
  '}],"usage":{"total_tokens":9}}',
];

describe('TextTemplate', () => {
  it('reads each following text as JSON.parse reads it', () => {
    const t = learnt(openai('first'));
    for (const text of TEXTS) {
      const data = openai(text);
      assert.equal(
        t.match(data),
        (JSON.parse(data) as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content,
        text,
      );
    }
  });

  it('sends anything else to the parse: a finish, usage, a tool call, a role, another id, an error, [DONE]', () => {
    const t = learnt(openai('first'));
    const others = [
      JSON.stringify({
        ...JSON.parse(openai('x')),
        choices: [{ index: 0, delta: { content: 'x' }, logprobs: null, finish_reason: 'stop' }],
      }),
      openai('x', { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
      openai('x', {}, { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '' } }] }),
      openai('x', {}, { role: 'assistant' }),
      openai('x').replace('chatcmpl-1', 'chatcmpl-2'),
      JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }),
      '[DONE]',
      openai('x').replace('"x"', '"x" '),
    ];
    for (const data of others) assert.equal(t.match(data), undefined, data);
  });

  it('leaves a raw control character, which JSON refuses, to the parse', () => {
    const t = learnt(openai('first'));
    const data = openai('a').replace('"a"', '"a\u0001b"');
    assert.throws(() => JSON.parse(data));
    assert.equal(t.match(data), undefined);
  });

  it('learns nothing from a chunk whose key is not once, or whose string is not the text', () => {
    const t = new TextTemplate('"content":"');
    assert.equal(t.learn(openai('x', { content: 'y' }), 'x'), false);
    assert.equal(t.learn(openai('x'), 'y'), false);
    assert.equal(t.match(openai('z')), undefined);
  });

  it('reads Anthropic text deltas of the block it learnt, and no other block', () => {
    const t = new TextTemplate('"text":"');
    const first = anthropic('Hi');
    const plain = plainAnthropicText(JSON.parse(first));
    assert.deepEqual(plain, { index: 0, text: 'Hi' });
    assert.ok(t.learn(first, plain.text));
    for (const text of TEXTS) assert.equal(t.match(anthropic(text)), text);
    assert.equal(t.match(anthropic('x', 1)), undefined);
    assert.equal(
      plainAnthropicText(
        JSON.parse(
          JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'x' } }),
        ),
      ),
      undefined,
    );
  });
});

describe('what counts as a plain text chunk', () => {
  it('OpenAI: one choice, a delta of text alone, no finish, usage or unknown field', () => {
    assert.equal(plainOpenAIText(JSON.parse(openai('x'))), 'x');
    assert.equal(plainOpenAIText(JSON.parse(openai('x', { usage: null, system_fingerprint: 'fp' }))), 'x');
    assert.equal(plainOpenAIText(JSON.parse(openai(''))), undefined);
    assert.equal(plainOpenAIText(JSON.parse(openai('x', { x_groq: { id: 'r' } }))), undefined);
    assert.equal(plainOpenAIText(JSON.parse(openai('x', {}, { refusal: null }))), undefined);
  });
});

describe('a padding field after the text (OpenAI obfuscation)', () => {
  const padded = (content: string, obfuscation: string, usage?: unknown): string =>
    openai(content, { obfuscation, ...(usage !== undefined ? { usage } : {}) });

  it('reads chunks whose padding differs, and nothing whose padding is not plain letters or what follows differs', () => {
    const t = new TextTemplate('"content":"', '"obfuscation":"');
    const first = padded('first', 'hG', null);
    assert.ok(t.learn(first, plainOpenAIText(JSON.parse(first))!));
    assert.equal(t.match(padded('next', 'D5jIQAiER0kD2', null)), 'next');
    assert.equal(t.match(padded('next', '', null)), 'next');
    assert.equal(t.match(padded('next', 'a"b', null)), undefined);
    assert.equal(t.match(padded('next', 'ab', { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 })), undefined);
    assert.equal(t.match(padded('next', 'ab')), undefined);
  });

  it('without a padding field given, a padding must be the learnt one', () => {
    const t = new TextTemplate('"content":"');
    const first = padded('first', 'hG');
    assert.ok(t.learn(first, 'first'));
    assert.equal(t.match(padded('next', 'hG')), 'next');
    assert.equal(t.match(padded('next', 'Qe')), undefined);
  });
});

describe('a stream whose plain chunks differ around their text', () => {
  it('stops learning after a few templates that matched nothing, and keeps what matched', () => {
    const t = new TextTemplate('"content":"');
    const at = (n: number, text: string) => openai(text).replace('"created":1', `"created":${n}`);
    const learnt = [1, 2, 3, 4, 5, 6].map((n) => t.learn(at(n, 'x'), 'x'));
    assert.deepEqual(learnt, [true, true, true, true, false, false]);
    assert.equal(t.match(at(4, 'y')), undefined, 'nothing is matched once it gave up');
    const kept = new TextTemplate('"content":"');
    for (let n = 1; n <= 6; n++) {
      assert.ok(kept.learn(at(n, 'x'), 'x'));
      assert.equal(kept.match(at(n, 'y')), 'y');
    }
  });
});
