// The attempt trail (docs/routing.md): one entry per try — route, credential (fingerprint, masked, its sources), outcome,
// status, latency and the wait before it. Never a secret.
import type { Credential } from '../credentials/types.ts';
import type { Attempt, AttemptSkip } from './types.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';
import type { LadderSink } from './events.ts';

export function credentialView(
  c: Pick<Credential, 'fingerprint' | 'masked' | 'sources'>,
): NonNullable<Attempt['credential']> {
  return {
    fingerprint: c.fingerprint,
    masked: c.masked,
    sources: [...new Set(c.sources.map((s) => s.kind))],
    from: c.sources.map((s) => ({ ...s })),
  };
}

export interface AttemptInit {
  route: RouteSpec;
  credential?: Pick<Credential, 'fingerprint' | 'masked' | 'sources'>;
  outcome: Attempt['outcome'];
  status?: number;
  startedAt: number;
  endedAt: number;
  waitMs: number;
  message?: string;
  /** `skipped`: why nothing was sent (Attempt.skip). */
  skip?: AttemptSkip;
  note?: string;
  refusal?: Attempt['refusal'];
  /** `max_tokens_clamped`: the max_tokens the request is sent again with. */
  maxTokens?: number;
  /** `skipped` for no usable key: each key and why (Attempt.unusable_keys). */
  unusableKeys?: Attempt['unusable_keys'];
  /** The tokens the attempt was billed for (Attempt.usage). */
  usage?: Attempt['usage'];
}

export function makeAttempt(init: AttemptInit): Attempt {
  const a: Attempt = {
    route: routeName(init.route),
    provider: init.route.provider,
    model: init.route.model,
    outcome: init.outcome,
    latency_ms: Math.max(0, init.endedAt - init.startedAt),
    wait_ms: Math.max(0, Math.round(init.waitMs)),
    started_at: init.startedAt,
  };
  if (init.credential) a.credential = credentialView(init.credential);
  if (init.status !== undefined) a.status = init.status;
  if (init.message !== undefined) a.message = init.message;
  if (init.skip !== undefined) a.skip = init.skip;
  if (init.note !== undefined) a.note = init.note;
  if (init.refusal !== undefined) a.refusal = init.refusal;
  if (init.maxTokens !== undefined) a.max_tokens = init.maxTokens;
  if (init.unusableKeys !== undefined) a.unusable_keys = init.unusableKeys;
  if (init.usage !== undefined) a.usage = init.usage;
  return a;
}

/** What a skip is told to: the call's trail and events (a CallContext is one), so the trail needs no ladder. */
export interface SkipTarget {
  task: string;
  trail: Attempt[];
  events: LadderSink;
  now: () => number;
}

/** A route passed over without a request (its context window, a conversation it cannot continue): said in the trail
 * and to the events, as an attempt that was skipped, why as a value and in words. */
export function skipRoute(ctx: SkipTarget, route: RouteSpec, skip: AttemptSkip, message: string): void {
  const now = ctx.now();
  const attempt = makeAttempt({ route, outcome: 'skipped', startedAt: now, endedAt: now, waitMs: 0, skip, message });
  ctx.trail.push(attempt);
  ctx.events.emit({ type: 'attempt', task: ctx.task, attempt });
}

/** How many attempts reached a provider: those made with a key. A route skipped for its context window or because
 * every key was cooling, an open breaker and a provider with no key send nothing. */
export function sentAttempts(trail: readonly Attempt[]): number {
  let n = 0;
  for (const a of trail) if (a.credential !== undefined) n += 1;
  return n;
}

/** One line per attempt, for debug logs and `--json`-less CLI output. */
export function formatTrail(trail: readonly Attempt[]): string[] {
  return trail.map((a, i) => {
    const key = a.credential ? ` ${a.credential.masked} (${a.credential.sources.join('+')})` : '';
    const status = a.status !== undefined ? ` HTTP ${a.status}` : '';
    const wait = a.wait_ms > 0 ? ` after ${a.wait_ms}ms wait` : '';
    const note = a.note !== undefined ? ` (${a.note})` : '';
    return `${i + 1}. ${a.route}${key}: ${a.outcome}${status} in ${a.latency_ms}ms${wait}${note}${a.message ? ` — ${a.message}` : ''}`;
  });
}
