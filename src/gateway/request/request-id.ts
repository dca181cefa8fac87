// The id of a request: the caller's own `x-request-id` when it sent a sane one (a load balancer or an agent tracing
// its calls), else one of ours. Ours are a random per-process prefix and a counter: unique across restarts and
// replicas for all practical purposes, and cheaper than a UUID on every request.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { rawJson, type RawJson } from '../../log.ts';

const PREFIX = randomBytes(6).toString('hex');
let counter = 0;

/** What a request id may look like when the caller chooses it: short, and safe in a header and a log line. */
const SANE = /^[\w.:@/+=-]{1,128}$/;

/** The id, and its JSON text for the log line: ours need no scrubbing (a hex prefix cannot start like a key). */
export function requestId(headers: IncomingHttpHeaders): { id: string; json: RawJson } {
  const given = headers['x-request-id'];
  if (typeof given === 'string' && SANE.test(given)) return { id: given, json: rawJson(given, false) };
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  const id = `${PREFIX}-${counter.toString(36)}`;
  return { id, json: rawJson(id, true) };
}
