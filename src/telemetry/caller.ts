// Who is calling, carried in the OpenTelemetry context rather than as a new chat() parameter: the gateway sets it
// around its router call (with the caller's `traceparent`), and the chat span reads it.
import { context, createContextKey, propagation, type Context } from '@opentelemetry/api';

const CLIENT_KEY = createContextKey('switchyard.client_key');
const END_USER = createContextKey('enduser.id');

/** The client key's name (never the key) the chat span names as `switchyard.client_key`. */
export function callerKey(ctx: Context): string | undefined {
  const v = ctx.getValue(CLIENT_KEY);
  return typeof v === 'string' ? v : undefined;
}

/** The end user the chat span names as `enduser.id`: given only where the operator allows it. */
export function callerUser(ctx: Context): string | undefined {
  const v = ctx.getValue(END_USER);
  return typeof v === 'string' ? v : undefined;
}

/** Runs `fn` in the caller's trace (its `traceparent`/`tracestate` headers continued) with its client key name and,
 * when given, its end user. */
export function withCaller<T>(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  clientKey: string | undefined,
  fn: () => T,
  endUser?: string,
): T {
  let ctx = propagation.extract(context.active(), headers);
  if (clientKey !== undefined) ctx = ctx.setValue(CLIENT_KEY, clientKey);
  if (endUser !== undefined) ctx = ctx.setValue(END_USER, endUser);
  return context.with(ctx, fn);
}
