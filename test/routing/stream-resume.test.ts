// The pieces of `streaming.resume` that are plain values: what makes a cut resumable, the continued request for each
// upstream type, the seam's whitespace, the order of routes tried, and the usage the caller is shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTINUE_INSTRUCTION,
  ResumeNotes,
  ResumedBlocks,
  continuedRequest,
  joinedUsage,
  rejoin,
  resumeRoutes,
} from '../../src/routing/stream-resume.ts';
import type { RouteSpec } from '../../src/config/resolve-task.ts';
import type { StreamEvent } from '../../src/providers/types.ts';

const ask = { messages: [{ role: 'user' as const, content: 'tell me' }], max_tokens: 100 };

test('only text makes a cut resumable: a tool call, a refusal or thinking spoil it, and blank text is nothing', () => {
  const notes = new ResumeNotes();
  notes.see({ type: 'start', id: 'a', model: 'm' });
  assert.equal(notes.resumable, false);
  notes.see({ type: 'text', text: 'Once upon ' });
  assert.equal(notes.resumable, true);
  assert.equal(notes.text, 'Once upon ');
  notes.see({ type: 'tool_call_start', index: 0, id: 'c', name: 'f' });
  assert.equal(notes.resumable, false);
  const blank = new ResumeNotes();
  blank.see({ type: 'text', text: '  ' });
  assert.equal(blank.resumable, false);
  const thinking = new ResumeNotes();
  thinking.see({ type: 'thinking', thinking: 'hm' });
  thinking.see({ type: 'text', text: 'x' });
  assert.equal(thinking.resumable, false);
});

test('an Anthropic route gets a prefill without trailing whitespace or thinking; max_tokens is lowered', () => {
  const next = continuedRequest(
    { ...ask, anthropic_fields: { thinking: { type: 'enabled' }, output_config: { effort: 'low' } } },
    'Once upon a time ',
    'anthropic',
  );
  assert.deepEqual(next.messages.at(-1), { role: 'assistant', content: 'Once upon a time' });
  assert.equal(next.messages.length, 2);
  assert.deepEqual(next.anthropic_fields, { output_config: { effort: 'low' } });
  assert.equal(next.max_tokens, 100 - Math.ceil('Once upon a time '.length / 4));
  assert.equal(ask.messages.length, 1, 'the original request is left as it was');
});

test('an OpenAI-compatible route gets the text as the assistant turn, then the instruction to continue', () => {
  const next = continuedRequest(ask, 'Once upon', 'openai');
  assert.deepEqual(next.messages.slice(1), [
    { role: 'assistant', content: 'Once upon' },
    { role: 'user', content: CONTINUE_INSTRUCTION },
  ]);
});

test('the seam: whitespace the caller already has is not sent twice', () => {
  assert.equal(rejoin('Once upon ', ' a time'), 'a time');
  assert.equal(rejoin('Once upon', ' a time'), ' a time');
  assert.equal(rejoin('Once upon\n', 'a time'), 'a time');
});

test('routes after the cut one come first, then those before it and the cut route itself', () => {
  const r = (provider: string): RouteSpec => ({ provider, model: 'm', origin: 'main' }) as RouteSpec;
  const names = (routes: RouteSpec[]): string[] => routes.map((x) => x.provider);
  assert.deepEqual(names(resumeRoutes([r('a'), r('b'), r('c')], r('b'))), ['c', 'a', 'b']);
  assert.deepEqual(names(resumeRoutes([r('a')], r('a'))), ['a']);
});

test("the caller's usage at the end is both attempts' added", () => {
  assert.deepEqual(
    joinedUsage({ input_tokens: 10, output_tokens: 4 }, { input_tokens: 14, output_tokens: 6, cache_read_tokens: 2 }),
    { input_tokens: 24, output_tokens: 10, cache_read_tokens: 2 },
  );
});

/** The caller's events for a continuation, given the text block the cut left open. */
function spliced(openAtCut: string | undefined, continuation: StreamEvent[]): StreamEvent[] {
  const blocks = new ResumedBlocks(openAtCut);
  return continuation.flatMap((e) => blocks.map(e));
}

const finish: StreamEvent = { type: 'finish', finish_reason: 'stop' };

test('the seam, in blocks: the continuation goes on in the text block the cut left open, under its id', () => {
  const notes = new ResumeNotes();
  notes.see({ type: 'text_start', id: 'txt-0' });
  notes.see({ type: 'text', text: 'Once ', id: 'txt-0' });
  assert.equal(notes.openText, 'txt-0');
  assert.deepEqual(
    spliced(notes.openText, [
      { type: 'start', id: 'b', model: 'm' },
      { type: 'text_start', id: 'txt-0' },
      { type: 'text', text: 'upon', id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'text_start', id: 'txt-1' },
      { type: 'text', text: ' a time', id: 'txt-1' },
      { type: 'text_end', id: 'txt-1' },
      finish,
    ]),
    [
      { type: 'text', text: 'upon', id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'text_start', id: 'txt-1-resumed' },
      { type: 'text', text: ' a time', id: 'txt-1-resumed' },
      { type: 'text_end', id: 'txt-1-resumed' },
      finish,
    ],
  );
});

test('the seam, in blocks: a continuation that begins with anything but text ends the open block first', () => {
  assert.deepEqual(
    spliced('txt-0', [
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool_call_end', index: 0, id: 'call_1' },
      finish,
    ]),
    [
      { type: 'text_end', id: 'txt-0' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool_call_end', index: 0, id: 'call_1' },
      finish,
    ],
  );
  assert.deepEqual(spliced('txt-0', [finish]), [{ type: 'text_end', id: 'txt-0' }, finish]);
});

test('the seam, in blocks: cut between blocks, the continuation opens its own under ids of its own', () => {
  const notes = new ResumeNotes();
  notes.see({ type: 'text_start', id: 'txt-0' });
  notes.see({ type: 'text', text: 'Done.', id: 'txt-0' });
  notes.see({ type: 'text_end', id: 'txt-0' });
  assert.equal(notes.openText, undefined);
  assert.deepEqual(
    spliced(notes.openText, [
      { type: 'text_start', id: 'txt-0' },
      { type: 'text', text: ' More.', id: 'txt-0' },
    ]),
    [
      { type: 'text_start', id: 'txt-0-resumed' },
      { type: 'text', text: ' More.', id: 'txt-0-resumed' },
    ],
  );
});
