// What an attempt was billed, carried from the sender (which knows the request and the answer) to the trail entry
// the ladder writes (which knows neither): a buffered send writes it on the attempt's own send context (a WeakMap
// entry per answer cost ~0.5 µs and made every scavenge walk it); an error carries it by identity, without changing
// the error. An error's may still be being estimated (the caller left, or the drain cut it, and is not kept waiting
// for the count): the trail entry gets it when it is counted, and the call's record waits for it (billAttempt).
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext } from '../providers/types.ts';
import type { Attempt, AttemptUsage } from './types.ts';
import { estimatedResponseUsage, promptOnlyUsage } from './estimate.ts';
import { UpstreamError } from '../errors/upstream-error.ts';

/** What an attempt was billed: known, or being estimated. */
export type Billed = AttemptUsage | Promise<AttemptUsage>;

const BILLED = new WeakMap<object, Billed>();

export function markBilled<T extends object>(carrier: T, usage: Billed): T {
  // An estimate that cannot be made is no one's error, even where no trail entry reads it.
  if (usage instanceof Promise) usage.catch(() => {});
  BILLED.set(carrier, usage);
  return carrier;
}

/** The usage marked on an answer or an error, if any. */
export function billedBy(carrier: unknown): Billed | undefined {
  return typeof carrier === 'object' && carrier !== null ? BILLED.get(carrier) : undefined;
}

/** Where a call's estimates still being counted are kept (a CallContext): its record waits for them (afterBilled). */
export interface Billing {
  billing?: Promise<void>[];
}

/** Sets the attempt's usage: at once when known, else when counted (an estimate that cannot be made leaves it unset). */
export function billAttempt(call: Billing, attempt: Attempt, usage: Billed | undefined): void {
  if (usage === undefined) return;
  if (!(usage instanceof Promise)) {
    attempt.usage = usage;
    return;
  }
  (call.billing ??= []).push(
    usage.then(
      (u) => {
        attempt.usage = u;
      },
      () => {},
    ),
  );
}

/** Settles once every estimate of the call is counted; undefined when none is being counted. */
export function billedAll(call: Billing): Promise<unknown> | undefined {
  const pending = call.billing;
  return pending === undefined || pending.length === 0 ? undefined : Promise.all(pending);
}

/** Runs `then` once every estimate of the call is counted: at once when none is being counted. Answers whether it
 * waits. */
export function afterBilled(call: Billing, then: () => void): boolean {
  const all = billedAll(call);
  if (all === undefined) {
    then();
    return false;
  }
  void all.then(then);
  return true;
}

/** The request was sent and then abandoned — by the caller, or by our own timeout while the upstream said nothing:
 * the upstream read the prompt (docs/usage.md#what-is-billed). */
export function abandoned(err: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  return UpstreamError.isInstance(err) && err.kind === 'timeout' && err.status === undefined;
}

/** An attempt's send context, with what the attempt was billed once its sender knows (route-ladder.ts reads it). */
export interface BilledSend extends SendContext {
  billed?: AttemptUsage;
}

/** A buffered send: its usage (reported or estimated) goes on `ctx.billed`; an abandoned call's error carries its
 * prompt, estimated. */
export async function sendBilled(adapter: ProviderAdapter, req: ChatRequest, ctx: BilledSend): Promise<ChatResponse> {
  try {
    const res = await adapter.send(req, ctx);
    ctx.billed = res.usage ?? (await estimatedResponseUsage(res, req.messages));
    return res;
  } catch (err) {
    // Not awaited: the caller is not kept waiting for the count (a drain's cut has a second to answer).
    if (abandoned(err, ctx.signal) && typeof err === 'object' && err !== null)
      markBilled(err, promptOnlyUsage(req.messages));
    throw err;
  }
}
