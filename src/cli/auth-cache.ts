// What `auth explain P` says of the prompt cache: whether the provider keeps affinity, how many conversations each key
// holds warm now (the affinity records in the state store), and each key's cache tokens and hit ratio over the last
// day (the usage ledger) (docs/credentials.md#cache-affinity).
import type { Config } from '../config/schema.ts';
import { affinityMode } from '../credentials/affinity.ts';
import type { CandidateStatus } from '../credentials/types.ts';
import type { AffinityStore } from '../state/types.ts';
import { formatDuration } from '../errors/messages.ts';
import type { LoadedConfig } from '../config/types.ts';
import { stateHome } from '../state/open.ts';
import { openLedger } from '../usage/open.ts';
import type { Totals } from '../usage/row.ts';
import { cacheHitRatio, hitRatioText } from '../usage/cache-ratio.ts';

/** How far back the ledger's cache figures go. */
const LEDGER_WINDOW_MS = 86_400_000;

export interface KeyCacheTokens {
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_hit_ratio: number | null;
}

export interface KeyCacheView {
  fingerprint: string;
  masked: string;
  /** Conversations whose next turn goes to this key (records not expired). */
  conversations: number;
  /** Their prefixes' estimated tokens: what the cache holds warm for them. */
  prefix_tokens: number;
  /** The key's prompt tokens over the last day, from the usage ledger (absent without one). */
  last_24h?: KeyCacheTokens;
}

export interface CacheView {
  affinity: 'prefix' | 'none';
  ttl_ms: number;
  keys: KeyCacheView[];
}

/** Each key's totals over the last day, by fingerprint; undefined when there is no ledger or it cannot be read (the
 * rest of `auth explain` does not depend on it). */
export async function ledgerByKey(loaded: LoadedConfig, now: number): Promise<Map<string, Totals> | undefined> {
  let ledger;
  try {
    ledger = openLedger(loaded.config.usage, { home: stateHome({ ...loaded.env }) });
    if (ledger === undefined) return undefined;
    const groups = await ledger.totals({ by: 'credential', since: now - LEDGER_WINDOW_MS });
    return new Map(groups.map((g) => [g.group, g]));
  } catch {
    return undefined;
  } finally {
    await ledger?.close().catch(() => {});
  }
}

export function cacheView(
  config: Config,
  store: AffinityStore,
  provider: string,
  candidates: readonly CandidateStatus[],
  now: number,
  ledger?: Map<string, Totals>,
): CacheView {
  const held = new Map<string, { conversations: number; prefix_tokens: number }>();
  for (const r of store.listAffinity(now)) {
    if (r.provider !== provider) continue;
    const h = held.get(r.fingerprint) ?? { conversations: 0, prefix_tokens: 0 };
    h.conversations += 1;
    h.prefix_tokens += r.tokens;
    held.set(r.fingerprint, h);
  }
  return {
    affinity: affinityMode(config, provider),
    ttl_ms: config.credentials.affinity_ttl,
    keys: candidates.map((c) => {
      const fp = c.credential.fingerprint;
      const t = ledger?.get(fp);
      const view: KeyCacheView = {
        fingerprint: fp,
        masked: c.credential.masked,
        ...(held.get(fp) ?? { conversations: 0, prefix_tokens: 0 }),
      };
      if (ledger !== undefined)
        view.last_24h = {
          input_tokens: t?.input_tokens ?? 0,
          cache_read_tokens: t?.cache_read_tokens ?? 0,
          cache_write_tokens: t?.cache_write_tokens ?? 0,
          cache_hit_ratio: t === undefined ? null : cacheHitRatio(t),
        };
      return view;
    }),
  };
}

function keyLine(k: KeyCacheView): string {
  const parts: string[] = [];
  if (k.conversations > 0)
    parts.push(
      `${k.conversations} conversation${k.conversations === 1 ? '' : 's'} (≈${k.prefix_tokens} prefix tokens) kept warm`,
    );
  const day = k.last_24h;
  if (day !== undefined && day.input_tokens > 0) {
    parts.push(
      `last 24h: ${hitRatioText(day)} of ${day.input_tokens} prompt tokens read from the cache, ${day.cache_write_tokens} written`,
    );
  }
  return `  ${k.masked}  ${parts.join('; ')}`;
}

export function cacheLines(provider: string, view: CacheView): string[] {
  if (view.affinity === 'none')
    return [`prompt cache: affinity off for ${provider} (every turn is picked by the strategy)`];
  const head = `prompt cache: affinity by prompt prefix — a conversation returns to its key for ${formatDuration(view.ttl_ms)} after its last turn`;
  const rows = view.keys.filter((k) => k.conversations > 0 || (k.last_24h?.input_tokens ?? 0) > 0).map(keyLine);
  return rows.length > 0 ? [head, ...rows] : [head, '  no conversation is kept on a key now'];
}
