// Same shape, same bytes: an OpenAI chat-completions caller's body sent to an OpenAI route as it came, with only what
// must change spliced in (translate/splice.ts) — the route's model, the output limit under the name the upstream
// knows, `stream_options.include_usage` on a stream, what OpenAI refuses (a tool_choice without tools, more than four
// stop sequences) taken out, the prompt cache key affinity chose. No canonical object is translated back or
// serialised again. The bytes' members are found once per request, however many attempts send them.
import type { ChatRequest } from '../types.ts';
import { sameButSpliced } from '../settings.ts';
import { splitStops } from '../stop-sequences.ts';
import { splice, wireMembers } from '../translate/splice.ts';
import type { BodyPieces } from '../translate/body-pieces.ts';
import { isObj } from '../translate/obj.ts';

export interface SpliceOptions {
  stream: boolean;
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

/** The caller's bytes for this attempt, spliced; undefined when the attempt must be sent a translation instead (the
 * caller's shape is another, or the route changed more of the request than is spliced). */
export function splicedOpenAIBody(req: ChatRequest, options: SpliceOptions): Buffer | BodyPieces | undefined {
  const wire = req.wire_body;
  if (wire === undefined || wire.shape !== 'openai_chat' || !sameButSpliced(req, wire.request)) return undefined;
  const members = wireMembers(wire);
  return members === undefined ? undefined : splice(wire.bytes, members, edits(wire.body, req, options));
}

/** Each top-level member to change: its value, or undefined to take it out. */
function edits(
  body: Readonly<Record<string, unknown>>,
  req: ChatRequest,
  options: SpliceOptions,
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (body['model'] !== req.model) out.set('model', req.model);
  limitEdits(body, req, options.maxTokensField, out);
  streamEdits(body, options.stream, out);
  // OpenAI refuses a tool_choice or parallel_tool_calls without tools, and an empty tools list.
  if (!(Array.isArray(body['tools']) && body['tools'].length > 0))
    for (const k of ['tools', 'tool_choice', 'parallel_tool_calls']) if (body[k] !== undefined) out.set(k, undefined);
  // At most four stop sequences (OpenAI's limit); the adapter enforces the rest on the answer.
  const stop = body['stop'];
  if (Array.isArray(stop)) {
    const sent = splitStops(req.stop).sent;
    if (sent.length !== stop.length) out.set('stop', sent.length > 0 ? sent : undefined);
  }
  if (req.prompt_cache_key !== undefined && body['prompt_cache_key'] !== req.prompt_cache_key)
    out.set('prompt_cache_key', req.prompt_cache_key);
  return out;
}

/** The output limit as the route sends it, under the one name the upstream knows. */
function limitEdits(
  body: Readonly<Record<string, unknown>>,
  req: ChatRequest,
  field: SpliceOptions['maxTokensField'],
  out: Map<string, unknown>,
): void {
  const other = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (req.max_tokens !== undefined && body[field] !== req.max_tokens) out.set(field, req.max_tokens);
  if (body[other] !== undefined) out.set(other, undefined);
}

/** A stream asks for its usage (the gateway counts it whatever the caller asked); a plain call sends no stream
 * options, which OpenAI refuses without `stream: true`. */
function streamEdits(body: Readonly<Record<string, unknown>>, stream: boolean, out: Map<string, unknown>): void {
  const options = body['stream_options'];
  if (!stream) {
    if (body['stream'] === true) out.set('stream', undefined);
    if (options !== undefined) out.set('stream_options', undefined);
    return;
  }
  if (body['stream'] !== true) out.set('stream', true);
  const usageOnly = isObj(options) && options['include_usage'] === true && Object.keys(options).length === 1;
  if (!usageOnly) out.set('stream_options', { include_usage: true });
}
