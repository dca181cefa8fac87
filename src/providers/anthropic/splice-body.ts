// Same shape, same bytes for Anthropic: an Anthropic caller's Messages body sent to an Anthropic route as it came,
// with only what the translation (request.ts) would say differently spliced in — the route's model, the output
// limit (Anthropic requires one), `stream`, the sampling settings the route's model takes, thinking and context
// editing where the route withholds them, an effort the model does not take, and the fields the translation does not
// carry taken out. A body holding anything else the translation changes (plain-body.ts), or an attempt whose request
// a step changed, is translated as before.
import type { ChatRequest } from '../types.ts';
import { sameButSpliced } from '../settings.ts';
import { splice, wireMembers, withoutElementFields } from '../translate/splice.ts';
import type { BodyPieces } from '../translate/body-pieces.ts';
import { type Obj } from '../translate/obj.ts';
import { DEFAULT_MAX_TOKENS, contextManagement } from './request.ts';
import { samplingToWire } from './sampling.ts';
import { thinkingToSend, thinks } from './thinking.ts';
import { modelTakes } from './features.ts';
import { plainAnthropicBody } from './plain-body.ts';

/** The caller's bytes for this attempt, spliced; undefined when it must be sent the translation instead. */
export function splicedAnthropicBody(req: ChatRequest, options: { stream: boolean }): Buffer | BodyPieces | undefined {
  const wire = req.wire_body;
  if (wire === undefined || wire.shape !== 'anthropic_messages' || !sameButSpliced(req, wire.request)) return undefined;
  const body = wire.body;
  const messages = body['messages'];
  const thinking = thinkingToSend(req, Array.isArray(messages) ? messages : []);
  const strips = plainAnthropicBody(body, req, thinks(thinking));
  if (strips === undefined) return undefined;
  const members = wireMembers(wire);
  if (members === undefined) return undefined;
  const out = new Map<string, unknown>();
  for (const key of strips.body) out.set(key, undefined);
  for (const key of ['tools', 'messages'] as const) {
    if (strips[key].size === 0) continue;
    const member = members.list.find((m) => m.key === key);
    const value = member === undefined ? undefined : withoutElementFields(wire.bytes, member, strips[key]);
    if (value === undefined) return undefined;
    out.set(key, value);
  }
  if (body['model'] !== req.model) out.set('model', req.model);
  const limit = req.max_tokens ?? DEFAULT_MAX_TOKENS;
  if (body['max_tokens'] !== limit) out.set('max_tokens', limit);
  if (options.stream && body['stream'] !== true) out.set('stream', true);
  if (!options.stream && body['stream'] !== undefined) out.set('stream', undefined);
  samplingEdits(body, req, out);
  fieldEdits(body, req, thinking, out);
  return splice(wire.bytes, members, out);
}

/** The sampling settings as the translation puts them for the route's model. Each read spelt out: a keyed read over
 * the names in a loop went megamorphic. */
function samplingEdits(body: Readonly<Obj>, req: ChatRequest, out: Map<string, unknown>): void {
  const sent: Obj = {};
  samplingToWire(req, sent);
  if (body['temperature'] !== sent['temperature']) out.set('temperature', sent['temperature']);
  if (body['top_p'] !== sent['top_p']) out.set('top_p', sent['top_p']);
  if (body['top_k'] !== sent['top_k']) out.set('top_k', sent['top_k']);
}

/** Thinking, context editing and effort as the translation sends them: withheld where the route's model or the
 * history would make Anthropic refuse them. */
function fieldEdits(
  body: Readonly<Obj>,
  req: ChatRequest,
  thinking: Readonly<Obj> | undefined,
  out: Map<string, unknown>,
): void {
  if (thinking === undefined && body['thinking'] !== undefined) out.set('thinking', undefined);
  const context = req.anthropic_fields?.context_management;
  if (context === undefined) {
    if (body['context_management'] !== undefined) out.set('context_management', undefined);
  } else {
    const sent = contextManagement(context, thinks(thinking));
    if (sent !== context) out.set('context_management', sent);
  }
  if (body['output_config'] !== undefined && !modelTakes(req.model, 'effort')) out.set('output_config', undefined);
}
