// One child span per attempt of the trail, made when the call is over: the trail then holds every attempt's times,
// key and outcome, so nothing has to be threaded through the ladder or carried across its awaits.
import { SpanKind, SpanStatusCode, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { RESENT_OUTCOMES, type Attempt } from '../calls/types.ts';
import { ATTR, type GenAiConventions } from './semconv.ts';

/** A configured provider's `gen_ai.provider.name` (semconv.ts `providerName`), by the provider's config name. */
export type ProviderName = (provider: string) => string;

/** What an attempt's span says beside its own fields: its place among the call's routes and keys. */
interface AttemptPlace {
  index: number;
  fallbackIndex: number;
  rotation: number;
}

/** Each attempt's route index (0: the first route tried) and key index on that route (0: its first key). */
export function attemptPlaces(trail: readonly Attempt[]): AttemptPlace[] {
  const routes: string[] = [];
  const keys = new Map<string, Set<string>>();
  return trail.map((a, index) => {
    if (!routes.includes(a.route)) routes.push(a.route);
    const seen = keys.get(a.route) ?? new Set<string>();
    keys.set(a.route, seen);
    if (a.credential) seen.add(a.credential.fingerprint);
    return { index, fallbackIndex: routes.indexOf(a.route), rotation: Math.max(0, seen.size - 1) };
  });
}

export function attemptAttributes(
  a: Attempt,
  place: AttemptPlace,
  providerName: ProviderName,
  conventions: GenAiConventions,
): Attributes {
  const provider = providerName(a.provider);
  const attrs: Attributes = {
    [ATTR.operation]: 'chat',
    [ATTR.provider]: provider,
    [ATTR.requestModel]: a.model,
    [ATTR.switchyardProvider]: a.provider,
    [ATTR.route]: a.route,
    [ATTR.outcome]: a.outcome,
    [ATTR.attemptIndex]: place.index,
    [ATTR.fallbackIndex]: place.fallbackIndex,
    [ATTR.rotation]: place.rotation,
    [ATTR.waitMs]: a.wait_ms,
  };
  if (conventions === 'dup') attrs[ATTR.system] = provider;
  if (a.outcome !== 'ok' && !RESENT_OUTCOMES.has(a.outcome)) attrs[ATTR.errorType] = a.outcome;
  if (a.status !== undefined) attrs[ATTR.httpStatus] = a.status;
  if (a.note !== undefined) attrs[ATTR.note] = a.note;
  if (a.credential) {
    attrs[ATTR.credentialId] = a.credential.fingerprint;
    attrs[ATTR.credentialMasked] = a.credential.masked;
    attrs[ATTR.credentialSource] = a.credential.from.map((f) => f.where).join(', ');
  }
  return attrs;
}

/** The attempts as children of `parent` (but those a budget refused, never sent); `last` (the attempt that answered) gets the answer's attributes too. */
export function attemptSpans(
  tracer: Tracer,
  parent: Context,
  trail: readonly Attempt[],
  providerName: ProviderName,
  conventions: GenAiConventions,
  answer: Attributes | undefined,
): void {
  const places = attemptPlaces(trail);
  trail.forEach((a, i) => {
    // A budget's refusal is decided before anything is sent: no call to the provider, so no span says there was one.
    if (a.outcome === 'budget') return;
    const attributes = attemptAttributes(a, places[i]!, providerName, conventions);
    const answered = answer !== undefined && a.outcome === 'ok' && i === lastOk(trail);
    if (answered) Object.assign(attributes, answer);
    const span = tracer.startSpan(
      `chat ${a.model}`,
      { kind: SpanKind.CLIENT, startTime: a.started_at, attributes },
      parent,
    );
    if (attributes[ATTR.errorType] !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(a.started_at + a.latency_ms);
  });
}

function lastOk(trail: readonly Attempt[]): number {
  for (let i = trail.length - 1; i >= 0; i--) if (trail[i]!.outcome === 'ok') return i;
  return -1;
}
