// Prompt-cache accounting for the `prompt_cache` answer option: which part of a prompt a real provider would have
// read from its cache, and which part it would have written to it. Deterministic: it depends only on the calls the
// key made before (since the last reset), as a real cache does, minus expiry.
//
// The prompt is a row of segments — the tools, the system prompt, each message — and a cache entry is a prefix of
// it (hashed without the cache marks themselves, which do not change what is cached).
//   Anthropic  writes an entry at each segment holding a `cache_control` mark; a call reads the longest earlier
//              entry that its prompt starts with, up to its last mark, and writes the rest up to that mark
//              (cache_read_input_tokens / cache_creation_input_tokens). No mark, no caching.
//   OpenAI     caches automatically: every prefix is written; a call reads the longest earlier prefix short of
//              its last message (prompt_tokens_details.cached_tokens). Writes are not reported.
// Real providers only cache prefixes of 1024 tokens or more; the simulator caches any, so short test prompts show it.
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

/** Entries kept per key; the oldest go first, so a simulator left running for days stays bounded. */
const MAX_ENTRIES = 10_000;

/** Reads and updates `cache` (the key's entries) for one answered call. */
export function promptCacheUsage(request: SimRequest, cache: Set<string>): CacheUsage {
  const segments = segmentsOf(request);
  const prefixes = prefixesOf(segments, request);
  const anthropic = request.api === 'anthropic';
  const last = anthropic ? segments.findLastIndex((s) => s.marked) : prefixes.length - 1;
  if (last < 0) return { read: 0, creation: 0 };
  const readUpTo = anthropic ? last : last - 1;
  const hit = prefixes.slice(0, readUpTo + 1).findLastIndex((p) => cache.has(p.hash));
  const read = hit < 0 ? 0 : prefixes[hit]!.tokens;
  for (const [i, p] of prefixes.entries()) if (!anthropic || segments[i]!.marked) remember(cache, p.hash);
  return { read, creation: anthropic ? prefixes[last]!.tokens - read : 0 };
}

function segmentsOf(request: SimRequest): Segment[] {
  const body = request.body;
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const segment = (value: unknown, chars: number): Segment => ({ value, chars, marked: countCacheMarks(value) > 0 });
  const tools = Array.isArray(body['tools']) && body['tools'].length > 0 ? [segment(body['tools'], 0)] : [];
  const system = body['system'] !== undefined ? [segment(body['system'], textOf(body['system']).length)] : [];
  return [...tools, ...system, ...messages.map((m) => segment(m, isObject(m) ? textOf(m['content']).length : 0))];
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

function remember(cache: Set<string>, hash: string): void {
  cache.delete(hash);
  cache.add(hash);
  for (const oldest of cache) {
    if (cache.size <= MAX_ENTRIES) break;
    cache.delete(oldest);
  }
}
