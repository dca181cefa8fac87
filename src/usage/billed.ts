// What an attempt was billed, carried from the sender (which knows the request and the answer) to the trail entry
// the ladder writes (which knows neither): on the answer or the error itself, by identity, without changing either.
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext } from '../providers/types.ts';
import type { AttemptUsage } from '../routing/types.ts';
import { promptOnlyUsage, responseUsage } from './estimate.ts';
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

/** A buffered send whose answer carries its usage (reported or estimated); an abandoned call carries its prompt,
 * estimated. */
export async function sendBilled(adapter: ProviderAdapter, req: ChatRequest, ctx: SendContext): Promise<ChatResponse> {
  try {
    const res = await adapter.send(req, ctx);
    return markBilled(res, responseUsage(res, req.messages));
  } catch (err) {
    if (abandoned(err, ctx.signal) && typeof err === 'object' && err !== null)
      markBilled(err, promptOnlyUsage(req.messages));
    throw err;
  }
}
