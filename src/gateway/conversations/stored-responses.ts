// Reading back a response the gateway's conversation record kept (conversation-record.ts), as OpenAI's stored
// responses are read: GET /v1/responses/{id} (the response object as answered), GET …/{id}/input_items (OpenAI's
// list, paged by `after`/`before`, `limit` and `order`) and DELETE …/{id}. Only the client key that made a response
// reads it; any other answer is OpenAI's 404, saying why (docs/responses.md#stored-responses).
import { createHash } from 'node:crypto';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { missingReason, missingWhy, turnItems, walkTurns, type MissingTurn } from './conversation-record.ts';
import { isObj, type Obj } from '../../providers/translate/obj.ts';
import type { ConversationTurn } from '../../state/types.ts';

/** OpenAI's page size: 20 unless asked, 1 to 100. */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** OpenAI's 404 for a response it does not have, with why the gateway has none (naming the setting that decided). */
function notFound(ctx: GatewayContext, id: string, missing: string, why: MissingTurn): ApiError {
  const which = missing === id ? '' : ` (its earlier turn '${missing}')`;
  return new ApiError('not_found', `Response with id '${id}' not found${which}: ${missingReason(ctx, why)}.`);
}

/** The turn `id` as the client key `key` may read it, or OpenAI's 404. Read from the state store, not only this
 * process's memory: another replica may have deleted it. */
async function ownTurn(ctx: GatewayContext, key: string, id: string, now: number): Promise<ConversationTurn> {
  const turn = await ctx.store.readConversationTurn(id, now, true);
  const why = missingWhy(turn, key) ?? (turn?.unstored === true ? 'unstored' : undefined);
  if (why !== undefined || turn === undefined) throw notFound(ctx, id, id, why ?? 'unknown');
  return turn;
}

/** The response object as it was answered: what the record kept of it, its output items after. */
export async function storedResponse(ctx: GatewayContext, key: string, id: string, now: number): Promise<Obj> {
  const turn = await ownTurn(ctx, key, id, now);
  const object = turn.response === undefined ? { id, object: 'response' } : (JSON.parse(turn.response) as Obj);
  return { ...object, output: turnItems(turn).slice(turn.inputs ?? 0) };
}

/** Forgets the response: later reads, and turns continuing it, are told it was deleted. */
export async function deleteResponse(ctx: GatewayContext, key: string, id: string, now: number): Promise<Obj> {
  const turn = await ownTurn(ctx, key, id, now);
  const tombstone: ConversationTurn = { id, key, at: Math.max(now, turn.at + 1), expires_at: turn.expires_at };
  if (turn.parent !== undefined) tombstone.parent = turn.parent;
  tombstone.deleted = true;
  ctx.store.putConversationTurn(tombstone);
  return { id, object: 'response', deleted: true };
}

/** The query of GET …/input_items, as the caller sent it. */
export interface InputItemsQuery {
  after?: string;
  before?: string;
  limit?: string;
  order?: string;
}

/** The items the response was made from — the turns it continued, then its own input — as OpenAI lists them. */
export async function inputItemsPage(
  ctx: GatewayContext,
  key: string,
  id: string,
  query: InputItemsQuery,
  now: number,
): Promise<Obj> {
  const { limit, order } = pageOf(query);
  await ownTurn(ctx, key, id, now);
  const turns = await walkTurns(ctx, key, id, now, (missing, why) => notFound(ctx, id, missing, why));
  const items: Obj[] = [];
  for (const t of turns) {
    const own = turnItems(t);
    const upTo = t.id === id ? (t.inputs ?? own.length) : own.length;
    own.slice(0, upTo).forEach((item, i) => items.push(listed(item, t.id, i)));
  }
  if (order === 'desc') items.reverse();
  const from = query.after === undefined ? 0 : cursorAt(items, query.after, 'after') + 1;
  const to = query.before === undefined ? items.length : cursorAt(items, query.before, 'before');
  const page = items.slice(from, Math.max(from, to)).slice(0, limit);
  return {
    object: 'list',
    data: page,
    first_id: page[0]?.['id'] ?? null,
    last_id: page.at(-1)?.['id'] ?? null,
    has_more: from + page.length < to,
  };
}

function pageOf(query: InputItemsQuery): { limit: number; order: 'asc' | 'desc' } {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new ApiError('invalid_request', `limit: expected an integer from 1 to ${MAX_LIMIT}, got '${query.limit}'`, {
      param: 'limit',
    });
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new ApiError('invalid_request', `order: expected 'asc' or 'desc', got '${order}'`, { param: 'order' });
  return { limit, order };
}

function cursorAt(items: readonly Obj[], id: string, param: 'after' | 'before'): number {
  const at = items.findIndex((i) => i['id'] === id);
  if (at < 0)
    throw new ApiError('invalid_request', `${param}: '${id}' is not an item of this response's input`, { param });
  return at;
}

/** An item as OpenAI lists it: with an id (one of its own when the caller sent none, the same on every read), a
 * message's text as content parts, its status. */
function listed(item: unknown, turnId: string, index: number): Obj {
  if (!isObj(item)) return { id: itemId('item', turnId, index), type: 'unknown' };
  const isMessage = item['type'] === undefined || item['type'] === 'message';
  const id = typeof item['id'] === 'string' ? item['id'] : itemId(isMessage ? 'msg' : 'item', turnId, index);
  if (!isMessage) return { id, ...item };
  const content = item['content'];
  const textType = item['role'] === 'assistant' ? 'output_text' : 'input_text';
  return {
    id,
    type: 'message',
    role: item['role'],
    content: typeof content === 'string' ? [{ type: textType, text: content }] : content,
    status: item['status'] ?? 'completed',
  };
}

const itemId = (prefix: string, turnId: string, index: number): string =>
  `${prefix}_${createHash('sha256').update(`${turnId}:${index}`).digest('hex').slice(0, 40)}`;
