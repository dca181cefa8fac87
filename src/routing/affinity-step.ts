// Prompt-cache affinity in the chain and the ladder: on the route that served an earlier turn of the conversation,
// that turn's key is picked while it is usable; otherwise the strategy picks, and the attempt that answered says why
// the cache was lost (docs/credentials.md#cache-affinity, docs/routing.md#cache-affinity).
import type { LoadedConfig } from '../config/types.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { hasOwnKey } from '../config/resolve-task.ts';
import { affinityInUse, affinityMode, continuesEarlierTurn, mayBeCached, turnHashes } from '../credentials/affinity.ts';
import type { AffinityTurn } from '../credentials/affinity.ts';
import type { Credential, PickResult } from '../credentials/types.ts';
import type { ChatMessage, ToolDefinition, WireBody } from '../providers/types.ts';
import { spanPrompt } from './affinity-spans.ts';
import type { AffinityRecord, AffinityStore } from '../state/types.ts';
import type { CallContext } from './call-context.ts';
import type { RouteRun } from './route-run.ts';
import { routeName } from '../config/route-name.ts';

/** The call's affinity when some provider keeps it and the prompt may be long enough to cache (mayBeCached);
 * undefined otherwise. A prompt that continues an earlier turn is hashed now and its prefixes looked up; a first turn
 * is hashed only when its answer is remembered or a cache key derived from it. */
export function startAffinity(
  loaded: LoadedConfig,
  store: AffinityStore,
  now: () => number,
  call: {
    task: string;
    override: string | undefined;
    messages: readonly ChatMessage[];
    tools: ToolDefinition[] | undefined;
    /** The caller's body, when the request was read from its bytes: its messages are hashed from them. */
    wire?: WireBody | undefined;
  },
): AffinityTurn | undefined {
  const config = loaded.config;
  if (!affinityInUse(config) || !mayBeCached(call.messages, call.tools)) return undefined;
  const scope = call.override === undefined ? call.task : `${call.task}\u0000${call.override}`;
  const spans = spanPrompt(call.wire, call.messages);
  const turn: AffinityTurn = {
    prompt:
      spans === undefined
        ? { scope, messages: call.messages, tools: call.tools }
        : { scope, messages: spans.messages, tools: spans.tools },
  };
  if (!continuesEarlierTurn(call.messages)) return turn;
  // The clock is read only here: most calls keep no affinity.
  const at = now();
  for (const l of turnHashes(turn).lookups) {
    const found = store.getAffinity(l.hash, at);
    if (found !== undefined && affinityMode(config, found.provider) === 'prefix') {
      turn.found = found;
      return turn;
    }
  }
  return turn;
}

/** The chain keeps its order (a fallback is for while the first route cannot answer, not for the rest of the
 * conversation); a chain without the earlier turn's route is the reason its cache is lost. */
export function checkAffinityRoute(ctx: CallContext, routes: readonly RouteSpec[]): void {
  const turn = ctx.affinity;
  const found = turn?.found;
  if (found === undefined || routes.some((r) => routeName(r) === found.route)) return;
  turn!.why = `the route it was served on (${found.route}) is not in this task's chain now`;
}

/** OpenAI's own API (only it: other OpenAI-compatible servers may refuse a field they do not know). */
const OPENAI_API = /^https:\/\/api\.openai\.com(\/|$)/;

/** A route to OpenAI's own API sends a `prompt_cache_key` derived from the conversation's opening when the caller
 * sent none, so OpenAI routes its turns to the machines holding its prefix. */
export function deriveCacheKey(run: RouteRun): void {
  const turn = run.ctx.affinity;
  if (turn === undefined || turn.ownerOnly === true || run.provider.type !== 'openai') return;
  if (!OPENAI_API.test(run.route.baseUrl ?? run.provider.base_url)) return;
  run.adjustRequest({ promptCacheKey: `sy-${turnHashes(turn).conversation}` });
}

/** The earlier turn's key on its route, the first time the route picks, when usable; undefined: pick as usual (and,
 * when the key could not be used, why is kept for the note). */
export function affinePick(run: RouteRun): PickResult | undefined {
  const turn = run.ctx.affinity;
  const found = turn?.found;
  if (turn === undefined || found === undefined || turn.asked || routeName(run.route) !== found.route) return undefined;
  turn.asked = true;
  // A task's own key is tried first whatever the strategy: affinity has nothing to choose there.
  if (hasOwnKey(run.route)) return undefined;
  const target =
    run.route.baseUrl === undefined
      ? {}
      : { target: { baseUrl: run.route.baseUrl, setting: `${run.route.origin}.base_url` } };
  const got = run.ctx.pool.pickKey(run.route.provider, found.fingerprint, { exclude: run.exclude, ...target });
  if (got.ok) return { ok: true, credential: got.credential, skipped: [], probe: false };
  turn.why = got.why;
  return undefined;
}

/** Before each attempt on the earlier turn's route with another key: why, as far as this run knows it. */
export function watchAffinity(run: RouteRun, cred: Credential): void {
  const turn = run.ctx.affinity;
  const found = turn?.found;
  if (turn === undefined || found === undefined || routeName(run.route) !== found.route) return;
  if (cred.fingerprint === found.fingerprint) return;
  const failed = run.keyFailures.at(-1);
  if (run.previous?.fingerprint === found.fingerprint && failed !== undefined)
    turn.why = `key ${run.previous.masked} failed (${failed.kind})`;
  else if (turn.why === undefined && run.exclude.has(found.fingerprint)) turn.why = setAsideWhy(run);
}

/** A key set aside before it was sent (a budget's skip) leaves a trail entry without a key saying why. */
function setAsideWhy(run: RouteRun): string {
  const last = run.ctx.trail.at(-1);
  return last !== undefined && last.credential === undefined && last.message !== undefined
    ? last.message
    : 'its key was set aside for this call';
}

/** After the chain moved on from a route: why the answer does not come from the earlier turn's route. */
export function affinityFellBack(ctx: CallContext, from: string, kind: string): void {
  const turn = ctx.affinity;
  if (turn?.found?.route === from) turn.why = `fell back from ${from} (${kind})`;
}

/** A successful answer: when it continues an earlier turn, whether it came from that turn's route and key is told
 * (an `affinity` event; when not, a note on the answering attempt with why and the prefix tokens read again); its
 * prompt is remembered with its route and key when the provider keeps affinity. */
export function rememberAffinity(ctx: CallContext, route: RouteSpec, cred: Credential): void {
  const turn = ctx.affinity;
  if (turn === undefined) return;
  const name = routeName(route);
  const found = turn.found;
  if (found !== undefined) told(ctx, turn, found, name, route.provider, cred);
  const config = ctx.loaded.config;
  if (affinityMode(config, route.provider) !== 'prefix') return;
  const now = ctx.now();
  const whole = turnHashes(turn).whole;
  ctx.store.setAffinity({
    hash: whole.hash,
    provider: route.provider,
    route: name,
    fingerprint: cred.fingerprint,
    tokens: whole.tokens,
    at: now,
    expires_at: now + config.credentials.affinity_ttl,
  });
}

function told(
  ctx: CallContext,
  turn: AffinityTurn,
  found: AffinityRecord,
  name: string,
  provider: string,
  cred: Credential,
): void {
  const kept = found.route === name && found.fingerprint === cred.fingerprint;
  const why = kept ? undefined : brokenWhy(turn, found, name);
  if (why !== undefined) {
    const answered = ctx.trail.findLast((a) => a.outcome === 'ok' && a.credential?.fingerprint === cred.fingerprint);
    const note = `cache affinity broken: ${why}; ≈${found.tokens} prefix tokens re-read`;
    if (answered !== undefined) answered.note = answered.note === undefined ? note : `${answered.note}; ${note}`;
  }
  ctx.events.emit({
    type: 'affinity',
    task: ctx.task,
    provider,
    route: name,
    outcome: kept ? 'kept' : 'broken',
    prefix_tokens: found.tokens,
    ...(why !== undefined ? { why } : {}),
  });
}

function brokenWhy(turn: AffinityTurn, found: AffinityRecord, name: string): string {
  if (turn.why !== undefined) return turn.why;
  // The chain keeps its order: an answer from another route came from one tried before the earlier turn's.
  if (name !== found.route) return `${name} answered first in the chain (${found.route} served the turn before)`;
  return 'the strategy picked another key';
}
