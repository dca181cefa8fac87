// Anthropic takes at most four `cache_control` breakpoints a request and refuses a fifth. A caller's marks are kept
// up to that; past it, the last mark in tools and system (it covers both: the prefix every conversation of the agent
// shares) and the last three in the messages (the conversation so far, and what the next turn reads back) stay, and
// the others are left out (docs/credentials.md#cache-hints-across-api-shapes).
import { isObj, type Obj } from '../translate/obj.ts';

/** Anthropic's limit on breakpoints in one request. */
export const MAX_CACHE_MARKS = 4;

/** Removes marks from a built request body (tools → system → messages, Anthropic's prefix order) until at most
 * MAX_CACHE_MARKS are left; returns how many were removed. */
export function limitCacheMarks(body: Obj): number {
  if (marksIn(body).count <= MAX_CACHE_MARKS) return 0;
  // Blocks may be shared with other requests (shared-value.ts): the body is made its own before marks are taken out.
  for (const key of ['tools', 'system', 'messages'])
    if (body[key] !== undefined) body[key] = structuredClone(body[key]);
  const { stable, conversation } = marksIn(body);
  const keptInConversation = Math.min(conversation.length, stable.length > 0 ? MAX_CACHE_MARKS - 1 : MAX_CACHE_MARKS);
  const keptInStable = MAX_CACHE_MARKS - keptInConversation;
  const dropped = [
    ...stable.slice(0, stable.length - keptInStable),
    ...conversation.slice(0, conversation.length - keptInConversation),
  ];
  for (const block of dropped) delete block['cache_control'];
  return dropped.length;
}

/** The blocks holding a mark: in tools and system, and in the messages. */
function marksIn(body: Obj): { stable: Obj[]; conversation: Obj[]; count: number } {
  const stable: Obj[] = [];
  collect(body['tools'], stable);
  collect(body['system'], stable);
  const conversation: Obj[] = [];
  const messages = body['messages'];
  if (Array.isArray(messages)) for (const m of messages) if (isObj(m)) collect(m['content'], conversation);
  return { stable, conversation, count: stable.length + conversation.length };
}

/** Blocks holding a mark, in order; a tool result's own content blocks after the result itself. */
function collect(blocks: unknown, into: Obj[]): void {
  if (!Array.isArray(blocks)) return;
  for (const b of blocks) {
    if (!isObj(b)) continue;
    if (b['cache_control'] !== undefined) into.push(b);
    if (b['type'] === 'tool_result') collect(b['content'], into);
  }
}
