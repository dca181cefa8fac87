// The gateway's record of Responses conversations (`previous_response_id`), for POST /v1/responses and the WebSocket
// mode alike: a turn continuing one is rebuilt from the state store — the whole conversation for any route, and for
// the route and key holding the upstream's own state, what only it can read — and each answered turn is kept for
// `gateway.conversations.keep` (docs/responses.md#a-conversations-state-across-a-fallback).
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { servesResponses } from './responses-routes.ts';
import { gatewaySummary, summaryText } from '../wire/responses/compaction-item.ts';
import { isObj, type Obj } from '../../providers/translate/obj.ts';
import type { ConversationOwner } from '../../calls/types.ts';
import type { ConversationTurn } from '../../state/types.ts';
import { formatDurationSetting } from '../../config/duration.ts';

/** Turns walked back at most: a longer chain is a loop or a conversation no client keeps without compacting. */
const MAX_TURNS = 10_000;
/** Ancestors a turn names (ConversationTurn.ancestors): a replica new to a conversation reads them that many at a
 * time (a 200-turn conversation in four round trips to Redis, not 200). */
const ANCESTORS = 64;

/** A turn continuing a recorded conversation. */
export interface ContinuedConversation {
  previousId: string;
  /** The caller's body with the whole conversation in `input` (items no other route reads left out), without
   * `previous_response_id`: what is parsed, translated and sent to any route but the owner. */
  body: Obj;
  /** The turns continued, oldest first. */
  chain: string[];
  owner?: ConversationOwner;
  /** Items left out of `body` because only the owner reads them, by type (`reasoning`, `compaction`). */
  dropped: Record<string, number>;
  /** For each earlier holder (`route#fingerprint`, ConversationOwner.holders): its own items it is sent, and the
   * others' left out, by type. */
  holders: Record<string, { kept: Record<string, number>; dropped: Record<string, number> }>;
}

/** The caller's `input` as items: a string is one user message. */
export function inputItems(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}

/** The conversation `body.previous_response_id` continues, or a `previous_response_not_found` naming why not. */
export async function continueConversation(
  ctx: GatewayContext,
  keyName: string | undefined,
  body: Obj,
  now: number,
): Promise<ContinuedConversation> {
  const previousId = String(body['previous_response_id']);
  const turns = await walkTurns(ctx, keyName ?? '', previousId, now, (missing, why) =>
    notFound(ctx, previousId, missing, why),
  );
  const owned = turns.at(-1)!;
  const sourced = sinceCompaction(sourcedItems(turns));
  const fresh = inputItems(body['input']);
  const { previous_response_id: _previous, ...rest } = body;
  const portable = portableItems(sourced.map((s) => s.item));
  const continued: ContinuedConversation = {
    previousId,
    body: { ...rest, input: [...portable.items, ...fresh] },
    chain: turns.map((t) => t.id),
    dropped: portable.dropped,
    holders: {},
  };
  const owner = ownerOf(ctx, owned, body, rest, { sourced, fresh });
  if (owner !== undefined) {
    const holders = holdersOf(ctx, makerOf(owned.route, owned.fingerprint), rest, { sourced, fresh });
    if (holders.length > 0 && owner.unportable === undefined) {
      owner.holders = holders.map((h) => h.holder);
      for (const h of holders) continued.holders[h.maker] = h.counts;
    }
    continued.owner = owner;
  }
  return continued;
}

/** A recorded item, with the route and key whose answer held it (`route#fingerprint`) when it is a turn's output:
 * what only that upstream reads goes back to it alone. */
interface Sourced {
  item: unknown;
  maker?: string;
  /** In a turn's output (an answer), not its input. */
  answered?: true;
}

/** The conversation so far, as the turns recorded it, and the caller's new items. */
interface Whole {
  sourced: readonly Sourced[];
  fresh: readonly unknown[];
}

const makerOf = (route: string | undefined, fingerprint: string | undefined): string | undefined =>
  route !== undefined && fingerprint !== undefined ? `${route}#${fingerprint}` : undefined;

/** Each turn's items, its output's marked with the route and key that answered (a turn kept before `inputs` was
 * recorded has them unmarked: sent to the last owner only, as before). */
function sourcedItems(turns: readonly ConversationTurn[]): Sourced[] {
  const out: Sourced[] = [];
  for (const t of turns) {
    const maker = makerOf(t.route, t.fingerprint);
    turnItems(t).forEach((item, i) => {
      const s: Sourced = { item: asInputItem(item) };
      if (t.inputs !== undefined && i >= t.inputs) {
        s.answered = true;
        if (maker !== undefined) s.maker = maker;
      }
      out.push(s);
    });
  }
  return out;
}

/** The conversation from the last compaction an answer made on (the gateway's own item, from a compaction_trigger
 * turn or an Anthropic route's compaction block): its summary stands for everything before it but the system and
 * developer messages, as the upstream that compacts drops what precedes its block. */
function sinceCompaction(items: Sourced[]): Sourced[] {
  const at = items.findLastIndex(
    (s) =>
      s.answered === true && isObj(s.item) && s.item['type'] === 'compaction' && gatewaySummary(s.item) !== undefined,
  );
  if (at <= 0) return items;
  const kept = items
    .slice(0, at)
    .filter((s) => isObj(s.item) && (s.item['role'] === 'system' || s.item['role'] === 'developer'));
  return [...kept, ...items.slice(at)];
}

/** The conversation as `maker` may be sent it: the items only it reads kept, other upstreams' left out (and, for the
 * last owner, `unmarked` ones the caller sent kept too); the gateway's compaction items as their summaries. */
function readableBy(whole: Whole, maker: string | undefined, unmarked: boolean): unknown[] {
  const kept = whole.sourced.filter(
    (s) => opaqueType(s.item) === undefined || (s.maker === undefined ? unmarked : s.maker === maker),
  );
  return [...kept.map((s) => s.item), ...whole.fresh].map(readableCompaction);
}

/** Why a turn cannot be read back: no record of it, another client key's, over max_bytes, or deleted. */
export type MissingTurn = 'unknown' | 'key' | 'too_large' | 'deleted' | 'unstored';

/** A turn's items as recorded: its input, then its output. */
export const turnItems = (t: ConversationTurn): unknown[] => JSON.parse(t.items ?? '[]') as unknown[];

/** The turns `id` continues and itself, oldest first; `fail` makes the error for the first one that cannot be read. */
export async function walkTurns(
  ctx: GatewayContext,
  key: string,
  id: string,
  now: number,
  fail: (missing: string, why: MissingTurn) => Error,
): Promise<ConversationTurn[]> {
  const turns: ConversationTurn[] = [];
  const seen = new Set<string>();
  /** Ancestors already asked for at once: read one by one from memory after that. */
  const fetched = new Set<string>();
  for (let at: string | undefined = id; at !== undefined;) {
    if (seen.has(at) || turns.length >= MAX_TURNS) break;
    seen.add(at);
    const turn = await ctx.store.readConversationTurn(at, now);
    const why = missingWhy(turn, key);
    if (why !== undefined || turn === undefined) throw fail(at, why ?? 'unknown');
    turns.push(turn);
    at = turn.parent;
    if (at !== undefined && !fetched.has(at) && turn.ancestors !== undefined) {
      for (const a of turn.ancestors) fetched.add(a);
      await ctx.store.readConversationTurns(turn.ancestors, now);
    }
  }
  return turns.reverse();
}

/** Why the client key `key` cannot read `turn`, or undefined when it can. */
export function missingWhy(turn: ConversationTurn | undefined, key: string): MissingTurn | undefined {
  if (turn === undefined) return 'unknown';
  if (turn.key !== key) return 'key';
  if (turn.deleted === true) return 'deleted';
  if (turn.too_large === true) return 'too_large';
  return undefined;
}

/** Said in the caller's terms: which id, and why the gateway has no record of it. */
function notFound(ctx: GatewayContext, id: string, missing: string, why: MissingTurn): ApiError {
  const which = missing === id ? `'${id}'` : `'${id}' (its earlier turn '${missing}')`;
  return new ApiError(
    'invalid_request',
    `Previous response with id ${which} not found: ${missingReason(ctx, why)}; send the whole conversation in input without previous_response_id`,
    { code: 'previous_response_not_found', param: 'previous_response_id' },
  );
}

/** Why a turn is missing, naming the setting that decided it. */
export function missingReason(ctx: GatewayContext, why: MissingTurn): string {
  const settings = ctx.settings.loaded.config.gateway.conversations;
  return {
    unknown:
      settings.keep === 0
        ? 'the gateway keeps no conversations (gateway.conversations.keep is 0)'
        : `the gateway has no record of it: unknown to its state store, or older than gateway.conversations.keep (${formatDurationSetting(settings.keep)} after a conversation's last turn)`,
    key: 'it was made with another client key',
    too_large: `that turn was larger than gateway.conversations.max_bytes (${settings.max_bytes} bytes) and was not kept`,
    deleted: 'it was deleted (DELETE /v1/responses/{id})',
    unstored: 'it was made with store: false, so it is kept only to be continued (previous_response_id)',
  }[why];
}

/** Items only the upstream that made them reads: encrypted reasoning (any reasoning item: its id is the upstream's),
 * and a compaction item that is not the gateway's own. */
function opaqueType(item: unknown): 'reasoning' | 'compaction' | undefined {
  if (!isObj(item)) return undefined;
  if (item['type'] === 'reasoning') return 'reasoning';
  if (item['type'] === 'compaction' && gatewaySummary(item) === undefined) return 'compaction';
  return undefined;
}

function portableItems(items: readonly unknown[]): {
  items: unknown[];
  dropped: Record<string, number>;
  opaque: boolean;
} {
  const dropped: Record<string, number> = {};
  const kept: unknown[] = [];
  for (const item of items) {
    const type = opaqueType(item);
    if (type === undefined) kept.push(item);
    else dropped[type] = (dropped[type] ?? 0) + 1;
  }
  return { items: kept, dropped, opaque: kept.length !== items.length };
}

/** The route and key that answered the last turn, when a later turn has something to gain there: the upstream holds
 * the response (`previous_response_id` goes on as it came), or items only it reads. */
function ownerOf(
  ctx: GatewayContext,
  last: ConversationTurn,
  body: Obj,
  rest: Obj,
  whole: Whole,
): ConversationOwner | undefined {
  if (last.route === undefined || last.fingerprint === undefined) return undefined;
  const provider = last.route.slice(0, last.route.indexOf('/'));
  const owner: ConversationOwner = { route: last.route, provider, fingerprint: last.fingerprint };
  if (!servesResponses(ctx.settings.loaded.config, { provider })) return owner;
  const input = readableBy(whole, makerOf(last.route, last.fingerprint), true);
  // The upstream knows the response by its own id (a turn kept before upstream_id was recorded had the same one).
  owner.responsesBody =
    last.upstream_knows === true ? { ...body, previous_response_id: last.upstream_id ?? last.id } : { ...rest, input };
  if ([...whole.sourced.map((s) => s.item), ...whole.fresh].some((i) => opaqueType(i) === 'compaction'))
    owner.unportable = `the conversation was compacted by ${last.route}, whose compaction item only that provider's account can read`;
  else if (!input.some((i) => opaqueType(i) !== undefined) && last.upstream_knows !== true) delete owner.responsesBody;
  return owner;
}

/** The routes and keys other than the last owner's whose answers hold reasoning only they read, each with the
 * conversation it is sent should the chain come back to it: its own reasoning kept, every other upstream's left out
 * (docs/responses.md#a-conversations-state-across-a-fallback). Only a route serving the Responses API reads one. */
function holdersOf(
  ctx: GatewayContext,
  owner: string | undefined,
  rest: Obj,
  whole: Whole,
): {
  maker: string;
  holder: NonNullable<ConversationOwner['holders']>[number];
  counts: ContinuedConversation['holders'][string];
}[] {
  const makers = new Set<string>();
  for (const s of whole.sourced)
    if (s.maker !== undefined && s.maker !== owner && opaqueType(s.item) === 'reasoning') makers.add(s.maker);
  const config = ctx.settings.loaded.config;
  return [...makers]
    .map((maker) => {
      const at = maker.lastIndexOf('#');
      const route = maker.slice(0, at);
      const counts = { kept: {} as Record<string, number>, dropped: {} as Record<string, number> };
      for (const s of whole.sourced) {
        const type = opaqueType(s.item);
        if (type === undefined) continue;
        const tally = s.maker === maker ? counts.kept : counts.dropped;
        tally[type] = (tally[type] ?? 0) + 1;
      }
      const holder = {
        route,
        fingerprint: maker.slice(at + 1),
        responsesBody: { ...rest, input: readableBy(whole, maker, false) },
      };
      return { maker, holder, counts };
    })
    .filter((h) => servesResponses(config, { provider: h.holder.route.slice(0, h.holder.route.indexOf('/')) }));
}

/** The gateway's own compaction item becomes the user message it stands for, as every route is sent it. */
function readableCompaction(item: unknown): unknown {
  const summary = isObj(item) && item['type'] === 'compaction' ? gatewaySummary(item) : undefined;
  return summary === undefined ? item : { type: 'message', role: 'user', content: summaryText(summary) };
}

/** How the turn's conversation was sent, for `x-switchyard-conversation`: to the upstream that holds it, or rebuilt
 * (and what was left out). */
export function conversationHeader(continued: ContinuedConversation, route: string, fingerprint?: string): string {
  const owner = continued.owner;
  if (owner !== undefined && owner.route === route && owner.fingerprint === fingerprint && owner.responsesBody)
    return owner.responsesBody['previous_response_id'] !== undefined
      ? 'continued'
      : `rebuilt; turns=${continued.chain.length}`;
  const held = fingerprint === undefined ? undefined : continued.holders[`${route}#${fingerprint}`];
  const said = (name: string, counts: Record<string, number>): string => {
    const list = Object.entries(counts).map(([type, n]) => `${type}:${n}`);
    return list.length > 0 ? `; ${name}=${list.join(',')}` : '';
  };
  if (held !== undefined)
    return `rebuilt; turns=${continued.chain.length}${said('kept', held.kept)}${said('dropped', held.dropped)}`;
  return `rebuilt; turns=${continued.chain.length}${said('dropped', continued.dropped)}`;
}

/** What the record keeps of one turn: its new input (less a compaction's trigger, asked of that turn only), its output
 * items as answered and the response object, for reading back (stored-responses.ts). */
export interface TurnInput {
  key: string;
  parent?: string;
  /** Turns the new one continues, oldest first: kept as long as it is. */
  chain: readonly string[];
  input: readonly unknown[];
  /** The request's `store` was not false: a Responses route then keeps the response on its side. */
  stored: boolean;
}

/** Keeps an answered turn (a completed or incomplete response object) with the route and key that answered. */
export function recordTurn(
  ctx: GatewayContext,
  turn: TurnInput,
  response: Obj,
  answered: { route?: string; fingerprint?: string; upstreamId?: string },
  now: number,
): void {
  const settings = ctx.settings.loaded.config.gateway.conversations;
  const id = response['id'];
  if (settings.keep === 0 || typeof id !== 'string') return;
  const { output: answeredOutput, ...object } = response;
  const output = Array.isArray(answeredOutput) ? answeredOutput : [];
  const asked = turn.input.filter((i) => !(isObj(i) && i['type'] === 'compaction_trigger'));
  const items = JSON.stringify([...asked, ...output]);
  const shown = JSON.stringify(object);
  const record: ConversationTurn = { id, key: turn.key, at: now, expires_at: now + settings.keep };
  if (turn.parent !== undefined) record.parent = turn.parent;
  if (turn.chain.length > 1) record.ancestors = turn.chain.slice(-ANCESTORS);
  if (Buffer.byteLength(items) + Buffer.byteLength(shown) > settings.max_bytes) record.too_large = true;
  else Object.assign(record, { items, inputs: asked.length, response: shown });
  if (!turn.stored) record.unstored = true;
  if (answered.route !== undefined) record.route = answered.route;
  if (answered.fingerprint !== undefined) record.fingerprint = answered.fingerprint;
  const provider = answered.route?.slice(0, answered.route.indexOf('/'));
  // The caller's id is the gateway's; the upstream's is kept beside it, the only one that upstream knows it by.
  if (answered.upstreamId !== undefined && answered.upstreamId !== '') record.upstream_id = answered.upstreamId;
  const served = provider !== undefined && servesResponses(ctx.settings.loaded.config, { provider });
  if (turn.stored && served && record.upstream_id !== undefined) record.upstream_knows = true;
  ctx.store.putConversationTurn(record);
  if (turn.chain.length > 0) ctx.store.extendConversationTurns(turn.chain, record.expires_at);
}

/** A recorded item as the next turn's input: an output item without the `status` OpenAI accepts back anyway but some
 * translators do not expect on input. */
export function asInputItem(item: unknown): unknown {
  if (!isObj(item)) return item;
  const { status: _status, ...rest } = item;
  return rest;
}
