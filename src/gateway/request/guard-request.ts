// The secrets guard at the request's one seam: the raw body bytes of a chat request, once client auth has run (its
// `onRequest` hook comes before fastify's body parser), become the bytes to parse, or a refusal (docs/guard.md).
import type { GatewayRequest } from './exchange.ts';
import { ApiError } from '../answer/api-error.ts';
import { isChatRequest } from './chat-paths.ts';
import { guardBody, type GuardFinding } from '../../guard/body.ts';
import type { ByteSpan, SpanRuns } from '../../providers/translate/json-scan.ts';
import { messageIndex } from '../../guard/locate.ts';
import { resolveGuardMode } from '../../guard/mode.ts';
import { guardFound } from './request-state.ts';

/** The bytes to parse (redacted under `redact`; else the same Buffer), or the refusal under `block`. Other bodies
 * pass as they came. `spans`: the body's messages (and its other arrays' elements), when it was parsed first. */
export function guardRequestBytes(
  req: GatewayRequest,
  bytes: Buffer,
  spans?: readonly ByteSpan[],
  runs?: SpanRuns,
): Buffer | ApiError {
  const s = req.sy;
  if (s === null || !isChatRequest(req)) return bytes;
  const mode = resolveGuardMode(s.caller?.keyGuard, req.server.gateway.settings.loaded.config.guard.secrets);
  if (mode === 'off') return bytes;
  const guarded = guardBody(bytes, mode, spans, runs);
  guardFound(s, guarded.findings);
  return guarded.blocked === undefined ? guarded.bytes : refusal(guarded.blocked);
}

/** A 400 in the caller's shape naming the rule and the message, never the secret. */
function refusal(found: GuardFinding): ApiError {
  const index = messageIndex(found.where);
  const where = index === undefined ? `at ${found.where}` : `in message ${index} (${found.where})`;
  return new ApiError(
    'invalid_request',
    `the request carries a credential (rule ${found.rule}) ${where}: this gateway's secrets guard blocks it; remove the secret and send again`,
    { code: 'secret_blocked', param: found.where },
  );
}
