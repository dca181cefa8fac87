// What an attempt was billed, carried from the sender (which knows the request and the answer) to the trail entry
// the ladder writes (which knows neither): a buffered send writes it on the attempt's own send context (a WeakMap
// entry per answer cost ~0.5 µs and made every scavenge walk it); an error carries it by identity, without changing
// the error.
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext } from '../providers/types.ts';
import type { AttemptUsage } from './types.ts';
import { estimatedResponseUsage, promptOnlyUsage } from './estimate.ts';
import { UpstreamError } from '../errors/upstream-error.ts';

const BILLED = new WeakMap<object, AttemptUsage>();

export function markBilled<T extends object>(carrier: T, usage: AttemptUsage): T {
  BILLED.set(carrier, usage);
  return carrier;
}

/** The usage marked on an answer or an error, if any. */
export function billedBy(carrier: unknown): AttemptUsage | undefined {
  return typeof carrier === 'object' && carrier !== null ? BILLED.get(carrier) : undefined;
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
    if (abandoned(err, ctx.signal) && typeof err === 'object' && err !== null)
      markBilled(err, await promptOnlyUsage(req.messages));
    throw err;
  }
}
