// Who is calling, carried in the OpenTelemetry context rather than as a new chat() parameter: the gateway sets it
// around its router call (with the caller's `traceparent`), and the chat span reads it.
import { context, createContextKey, propagation, type Context } from '@opentelemetry/api';

const CLIENT_KEY = createContextKey('switchyard.client_key');

/** The client key's name (never the key) the chat span names as `switchyard.client_key`. */
export function callerKey(ctx: Context): string | undefined {
  const v = ctx.getValue(CLIENT_KEY);
  return typeof v === 'string' ? v : undefined;
}

/** Runs `fn` in the caller's trace (its `traceparent`/`tracestate` headers continued) with its client key name. */
export function withCaller<T>(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  clientKey: string | undefined,
  fn: () => T,
): T {
  let ctx = propagation.extract(context.active(), headers);
  if (clientKey !== undefined) ctx = ctx.setValue(CLIENT_KEY, clientKey);
  return context.with(ctx, fn);
}
