// Prompt-cache accounting for the `prompt_cache` answer option, deterministic from the account's earlier calls and
// the clock (docs/simulator.md#answer-options has each provider's rules).
import type { PromptCache } from './key-state.ts';
import { createHash } from 'node:crypto';
import type { SimRequest } from './request.ts';
import { countCacheMarks, textOf } from './request.ts';
import { isObject, type Json } from './json.ts';

export interface CacheUsage {
  read: number;
  creation: number;
}

interface Segment {
  value: unknown;
  chars: number;
  marked: boolean;
}

/** Entries kept per account; the oldest go first, so a simulator left running for days stays bounded. */
const MAX_ENTRIES = 10_000;

/** Reads and updates `cache` (the account's entries) for one answered call at `now`: an entry read or written lives
 * `ttlMs` from then (a read refreshes it, as Anthropic's does). */
export function promptCacheUsage(request: SimRequest, cache: PromptCache, now: number, ttlMs: number): CacheUsage {
  const segments = segmentsOf(request);
  const prefixes = prefixesOf(segments, request);
  const anthropic = request.api === 'anthropic';
  const last = anthropic ? segments.findLastIndex((s) => s.marked) : prefixes.length - 1;
  if (last < 0) return { read: 0, creation: 0 };
  const readUpTo = anthropic ? last : last - 1;
  const hit = prefixes.slice(0, readUpTo + 1).findLastIndex((p) => (cache.get(p.hash) ?? 0) > now);
  const read = hit < 0 ? 0 : prefixes[hit]!.tokens;
  for (const [i, p] of prefixes.entries()) if (!anthropic || segments[i]!.marked) remember(cache, p.hash, now + ttlMs);
  return { read, creation: anthropic ? prefixes[last]!.tokens - read : 0 };
}

function segmentsOf(request: SimRequest): Segment[] {
  const body = request.body;
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const segment = (value: unknown, chars: number): Segment => ({ value, chars, marked: countCacheMarks(value) > 0 });
  const tools = Array.isArray(body['tools']) && body['tools'].length > 0 ? [segment(body['tools'], 0)] : [];
  const system = body['system'] !== undefined ? [segment(body['system'], textOf(body['system']).length)] : [];
  if (Array.isArray(body['contents'])) return [...tools, ...geminiSegments(body, segment)];
  return [...tools, ...system, ...messages.map((m) => segment(m, isObject(m) ? textOf(m['content']).length : 0))];
}

/** A Gemini body (implicit caching, read like OpenAI's): its system instruction, then each content. */
function geminiSegments(body: Json, segment: (value: unknown, chars: number) => Segment): Segment[] {
  const contents = Array.isArray(body['contents']) ? body['contents'] : [];
  const instruction = body['systemInstruction'];
  const system = isObject(instruction) ? [segment(instruction, textOf(instruction['parts']).length)] : [];
  return [...system, ...contents.map((c) => segment(c, isObject(c) ? textOf(c['parts']).length : 0))];
}

/** Each segment's prefix: its hash (chained, so it names everything before it) and its size in tokens. */
function prefixesOf(segments: Segment[], request: SimRequest): { hash: string; tokens: number }[] {
  let hash = `${request.api}\n${request.model ?? ''}`;
  let chars = 0;
  return segments.map((s) => {
    hash = createHash('sha256')
      .update(hash)
      .update(JSON.stringify(unmarked(s.value)))
      .digest('hex');
    chars += s.chars;
    return { hash, tokens: Math.min(request.promptTokens, Math.ceil(chars / 4)) };
  });
}

function unmarked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unmarked);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'cache_control') out[k] = unmarked(v);
  return out;
}

function remember(cache: PromptCache, hash: string, until: number): void {
  cache.delete(hash);
  cache.set(hash, until);
  for (const oldest of cache.keys()) {
    if (cache.size <= MAX_ENTRIES) break;
    cache.delete(oldest);
  }
}
