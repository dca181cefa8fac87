// What happened and what to do, in one line the user can act on (docs/routing.md). Pure functions over plain data, so
// the routing ladder, the CLI and the gateway all say the same thing. Each message names the setting to fix.
import type { AuthVerdict, CandidateStatus, CredentialSource } from '../credentials/types.ts';
import type { ErrorKind } from './kinds.ts';
import type { BlockedBy } from './classify.ts';
import type { TimeFormat } from './explain-format.ts';
import { detail, formatClock, formatDuration } from './explain-format.ts';
import { describeKey } from '../credentials/describe.ts';
import { redactUrl } from '../config/mask.ts';
import { COOLING_RULES } from '../credentials/health.ts';
import type { Said } from './advice.ts';
import { adviceText, CLI_COMMANDS } from './advice.ts';
import type { Explanation } from './explanation.ts';
import { cliLine } from './explanation.ts';
import { routeName } from '../config/route-name.ts';

export { formatClock, formatDuration } from './explain-format.ts';
export { describeKey, describeSource, describeSources } from '../credentials/describe.ts';
export type { TimeFormat } from './explain-format.ts';
export type { Advice } from './advice.ts';
export type { Explanation } from './explanation.ts';

export interface KeyFacts {
  /** `sk-…a1b2`, from mask(): never the secret. */
  masked: string;
  sources: readonly CredentialSource[];
}

/** Everything an explanation may use. Only `kind` and `provider` are required; the rest sharpen the message. */
export interface FailureFacts extends TimeFormat {
  kind: ErrorKind;
  provider: string;
  model?: string;
  /** Where the route came from: `main`, `fallback[0]`, `auxiliary.title_generation…`, or `request` (a caller named it). */
  origin?: string;
  baseUrl?: string;
  /** The setting `baseUrl` comes from, when not `providers.P.base_url` (a task's own `auxiliary.T.base_url`). */
  baseUrlSetting?: string;
  /** The proxy a connection failure happened through (UpstreamError.via). */
  via?: string;
  key?: KeyFacts;
  /** Epoch ms of the key's last success (a "known-good" key). */
  lastSuccessAt?: number;
  /** Retries made on this route for this failure. */
  retries?: number;
  /** auth_rejected: what the rejection means for the key (authVerdict); by default from `lastSuccessAt`. */
  verdict?: AuthVerdict;
  /** auth_rejected, revoked: since when the key has been rejected (when it was first suspected). */
  rejectedSince?: number;
  /** auth_rejected, suspect probe: how often the key is probed while it rests. */
  probeEveryMs?: number;
  /** Cooldown end or provider reset time, epoch ms. */
  until?: number;
  /** false: a diagnostic that recorded nothing (a read-only probe): the key was not set aside, and `until` is only
   * the provider's reset time. */
  recorded?: boolean;
  status?: number;
  code?: string;
  providerMessage?: string;
  contextWindow?: number;
  estimatedTokens?: number;
  timeoutMs?: number;
  /** The setting that bounded `timeoutMs` (`providers.P.timeout`, or `auxiliary.T.timeout` when the task's time ran
   * short first), and that task timeout's own length. */
  timeoutSetting?: string;
  taskTimeoutMs?: number;
  /** The route had all of the task's timeout (no route before or after it shared it). */
  taskTimeoutWhole?: true;
  /** The failure came after the answer had started streaming. */
  midStream?: boolean;
  /** not_found because this key may not use this model (the provider knows both). */
  modelAccessDenied?: boolean;
  /** With modelAccessDenied: every key of the provider that was refused the model during this route, when there were
   * several (each was tried in turn; the provider's words are those of the last). */
  refusedKeys?: readonly KeyFacts[];
  /** Not the key at all: a firewall or challenge page in front of the provider answered (`firewall`), the
   * provider refuses the region the request comes from (`region`), or the proxy refused the tunnel (`proxy`). */
  blocked?: BlockedBy;
  /** Where keys were looked for (auth_missing), e.g. from missingFacts() in src/credentials/resolve.ts. */
  lookedIn?: readonly string[];
}

/** A place in "looked in" that did hold a key, which is not sent: a stored key added for another host than the config
 * names (src/credentials/host-binding.ts), as `auth explain` lists it. */
export function heldBackPlace(text: string): string {
  return `held back: ${text}`;
}

/** How a "looked in" place says its variable is set but withheld from an untrusted ./switchyard.yaml
 * (credentials/resolve.ts, config/local-env.ts). */
export const UNTRUSTED_READ =
  'set, but not read by a ./switchyard.yaml found in the current directory that would send it to another host; `switchyard config trust` if the file is yours';

/** How a "looked in" place says a minted source (`api_key_command`, …) is written but dropped from an untrusted
 * ./switchyard.yaml (config/untrusted-minting.ts). */
export const UNTRUSTED_MINT =
  'written, but not used: a ./switchyard.yaml found in the current directory and not trusted may not run commands, read files or ask for tokens with your credentials';

/** What an untrusted ./switchyard.yaml kept from the provider's keys: a variable it would send to a host of its own
 * (`sends_keys`, said as UNTRUSTED_READ), or a minted source it may not use (`mints_key`, UNTRUSTED_MINT). */
export type Untrusted = 'sends_keys' | 'mints_key';

/** Where keys were looked for, and what was there but is not used: the "no API key" message's facts
 * (credentials/resolve.ts missingFacts). */
export interface MissingFacts {
  provider: string;
  /** The places, in words (`providers.P.api_key`, `env P_API_KEY (…)`, `.env`); by default the provider's usual ones. */
  lookedIn?: readonly string[];
  /** Stored keys held back for another host, each in words: the message leads with them, "looked in …" would hide them. */
  heldBack?: readonly string[];
  untrusted?: Untrusted;
}

/** What to do about no key. "Add one" — unless the key is there and withheld from a ./switchyard.yaml that would
 * send it to a host of its own: a key added now would be stored for that host, which is the very thing withheld. */
const MISSING_ADVICE: Readonly<Record<Untrusted | 'none', (provider: string) => Said[]>> = {
  sends_keys: (provider) => [{ kind: 'trust_config', provider, because: 'sends_keys' }],
  mints_key: (provider) => [
    { kind: 'trust_config', provider, because: 'mints_key' },
    { kind: 'add_key', provider, count: 'one', joint: '; or ' },
  ],
  none: (provider) => [{ kind: 'add_key', provider, count: 'one' }],
};

export function missingAdvice(provider: string, untrusted?: Untrusted): Said[] {
  return MISSING_ADVICE[untrusted ?? 'none'](provider);
}

/** missingAdvice as the CLI says it. */
export function missingKeyAdvice(provider: string, untrusted?: Untrusted): string {
  return adviceText(missingAdvice(provider, untrusted), CLI_COMMANDS, {}, '');
}

/** `no API key for provider mimo — looked in providers.mimo.api_key, env MIMO_API_KEY, .env; add one with …` */
export function describeMissing(f: MissingFacts): Explanation {
  const looked = f.lookedIn ?? [
    `providers.${f.provider}.api_key`,
    `env ${f.provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`,
    '.env',
  ];
  const held = f.heldBack ?? [];
  if (held.length > 0) {
    return {
      headline: `no API key of provider ${f.provider} may be sent where the config sends it: ${held.join('; ')}; nothing in ${looked.join(', ')}`,
      advice: [{ kind: 'add_key', provider: f.provider, count: 'for_host', joint: '; or ' }],
    };
  }
  return describeNoKey(f.provider, looked, f.untrusted);
}

/** No key anywhere it was looked for (and none held back). */
export function describeNoKey(provider: string, looked: readonly string[], untrusted?: Untrusted): Explanation {
  const [first, ...rest] = missingAdvice(provider, untrusted);
  return {
    headline: `no API key for provider ${provider}`,
    detail: `looked in ${looked.join(', ')}`,
    advice: first === undefined ? [] : [{ ...first, joint: '; ' }, ...rest],
  };
}

export function explainMissing(f: MissingFacts): string {
  return cliLine(describeMissing(f));
}

function retried(retries: number | undefined): string {
  return retries && retries > 0 ? `retried ${retries}× with backoff` : 'not retried';
}

type RejectedFacts = Pick<
  FailureFacts,
  | 'provider'
  | 'key'
  | 'lastSuccessAt'
  | 'retries'
  | 'status'
  | 'providerMessage'
  | 'until'
  | 'verdict'
  | 'rejectedSince'
  | 'probeEveryMs'
  | 'timeZone'
  | 'now'
>;

/** One explanation per verdict. `key` already carries the provider's words (`key sk-…a1b2 (config) (HTTP 401: …)`). */
const REJECTED: Record<AuthVerdict, (f: RejectedFacts, key: string, lastWorked: string) => Explanation> = {
  never_accepted: (f, key) => ({
    headline: `${f.provider} rejected ${key}; it has never been accepted`,
    advice: [{ kind: 'replace_key' }],
  }),
  // docs/routing.md's words; then, when the key was set aside for it, until when (the next call will find it resting).
  known_good: (f, key, lastWorked) => ({
    headline: `${f.provider} rejected ${key}, which last worked at ${lastWorked}; ${retried(f.retries)}`,
    advice: [
      {
        kind: 'wait',
        ...(f.until !== undefined ? { until: f.until } : {}),
        ...(f.probeEveryMs !== undefined ? { probeEveryMs: f.probeEveryMs } : {}),
      },
    ],
    time: timeOf(f),
  }),
  suspect_probe: (f, key, lastWorked) => {
    const until = f.until !== undefined ? ` until ${formatClock(f.until, { ...f, seconds: true })}` : '';
    const every = f.probeEveryMs !== undefined ? `every ${formatDuration(f.probeEveryMs)}` : 'now and then';
    return {
      headline: `${f.provider} still rejects ${key}, which last worked at ${lastWorked}; it stays set aside (auth suspect)${until}, probed once ${every} while no other key can answer`,
      advice: [{ kind: 'replace_key', persists: true }],
    };
  },
  revoked: (f, key, lastWorked) => {
    const since = f.rejectedSince !== undefined ? ` on every call since ${formatClock(f.rejectedSince, f)}` : ' again';
    return {
      headline: `${f.provider} rejected ${key}${since} (last worked at ${lastWorked}); it was probably revoked`,
      advice: [{ kind: 'replace_key' }],
    };
  },
};

function timeOf(t: TimeFormat): TimeFormat {
  return {
    ...(t.timeZone !== undefined ? { timeZone: t.timeZone } : {}),
    ...(t.now !== undefined ? { now: t.now } : {}),
  };
}

/** Which REJECTED verdicts are likely transient: then nothing said with them, such as the gateway's `x-should-retry`,
 * may tell the caller not to ask again. */
export const REJECTION_LIKELY_TRANSIENT: Readonly<Record<AuthVerdict, boolean>> = {
  never_accepted: false,
  known_good: true,
  suspect_probe: false,
  revoked: false,
};

/** The verdict an explanation of a rejection speaks for: only a key that has worked can be anything but never
 * accepted. */
function spokenVerdict(f: Pick<FailureFacts, 'lastSuccessAt' | 'verdict'>): AuthVerdict {
  return f.lastSuccessAt === undefined ? 'never_accepted' : (f.verdict ?? 'known_good');
}

/** A key that never worked is bad; a known-good one is likely a blip, until rejected again with no success between.
 * The provider's own words come first: they say more than our guess. */
export function describeRejected(f: RejectedFacts): Explanation {
  const key = `${f.key ? `key ${describeKey(f.key)}` : 'the key'}${detail(f.status, f.providerMessage)}`;
  const verdict = spokenVerdict(f);
  return REJECTED[verdict](f, key, f.lastSuccessAt === undefined ? '' : formatClock(f.lastSuccessAt, f));
}

export function explainRejected(f: RejectedFacts): string {
  return cliLine(describeRejected(f));
}

/** Whether explainRejected calls this rejection likely transient (REJECTION_LIKELY_TRANSIENT). */
export function rejectionLikelyTransient(f: Pick<FailureFacts, 'lastSuccessAt' | 'verdict'>): boolean {
  return REJECTION_LIKELY_TRANSIENT[spokenVerdict(f)];
}

function untilText(f: FailureFacts, fallback: string): string {
  return f.until !== undefined ? `until ${formatClock(f.until, { ...f, seconds: true })}` : fallback;
}

/** What happens to the key now: set aside (`it is set aside until …`), or — a probe that recorded nothing — only what
 * the provider said about when it resets. */
function asideText(f: FailureFacts, verb: string, fallback: string): string {
  if (f.recorded !== false) return `; ${verb} ${untilText(f, fallback)}`;
  return f.until !== undefined
    ? `; the provider says it resets at ${formatClock(f.until, { ...f, seconds: true })}`
    : '';
}

function explainQuota(f: FailureFacts): Explanation {
  const key = f.key ? `key ${describeKey(f.key)}` : 'the key';
  return {
    headline: `${f.provider} says ${key} is out of quota or credit${detail(f.status, f.providerMessage)}${asideText(f, 'it is set aside', 'for cooldowns.quota')}`,
    advice: [
      { kind: 'reset_key', provider: f.provider, after: 'top_up' },
      { kind: 'add_key', provider: f.provider, count: 'another', joint: ' or ' },
    ],
  };
}

function explainRateLimited(f: FailureFacts): Explanation {
  const key = f.key ? `key ${describeKey(f.key)}` : 'the key';
  return {
    headline: `${f.provider} rate-limited ${key}${detail(f.status, f.providerMessage)}${asideText(f, 'it rests', 'for cooldowns.rate_limited')}`,
    advice: [
      { kind: 'add_key', provider: f.provider, count: 'more' },
      { kind: 'retry_later', when: 'send_fewer', joint: ' or ' },
    ],
  };
}

/** The route when the facts name a model, else the provider. */
function routeOf(f: FailureFacts): string {
  return f.model ? routeName({ provider: f.provider, model: f.model }) : f.provider;
}

/** A headline that opens with the route (or the provider, without a model), and says which route in the value. */
function routeLed(f: FailureFacts, rest: string): Pick<Explanation, 'headline' | 'route'> {
  const route = routeOf(f);
  return { headline: `${route} ${rest}`, ...(f.model ? { route } : {}) };
}

function explainContextLength(f: FailureFacts): Explanation {
  const window =
    f.contextWindow !== undefined ? `its context window of ${f.contextWindow} tokens` : 'its context window';
  const prompt = f.estimatedTokens !== undefined ? ` (prompt ≈ ${f.estimatedTokens} tokens)` : '';
  const setting = f.model
    ? `providers.${f.provider}.models.${f.model}.context_window`
    : `providers.${f.provider}.models`;
  return {
    headline: `the conversation is too long for ${routeOf(f)}: it exceeds ${window}${prompt}${detail(f.status, f.providerMessage)}`,
    advice: [
      { kind: 'fix_request', how: 'shorten' },
      { kind: 'add_fallback', to: 'larger_model', joint: ', ' },
      { kind: 'raise_setting', path: setting, why: 'skip_small_routes', joint: ', and ' },
    ],
  };
}

/** Where another model is asked for: the caller named it, or a setting did. */
function otherModel(f: FailureFacts): Said {
  return f.origin === 'request'
    ? { kind: 'other_model', how: 'ask', joint: ', ' }
    : {
        kind: 'other_model',
        how: 'name',
        joint: ', ',
        path: f.origin !== undefined ? `${f.origin}.model` : 'main.model (or the route that names it)',
      };
}

/** The provider knows the key and the model and keeps them apart: nothing is wrong with the key as such. */
function explainModelAccess(f: FailureFacts): Explanation {
  const model = f.model ? `model "${f.model}"` : 'the requested model';
  const keys = f.refusedKeys ?? [];
  if (keys.length > 1) {
    const list = keys.map(describeKey).join(', ');
    return {
      headline: `${f.provider} does not allow any of its keys to use ${model}`,
      detail: `each was tried and refused: ${list}${detail(f.status, f.providerMessage)}`,
      advice: [{ kind: 'key_kept', why: 'model_access_all' }, { kind: 'other_model', how: 'grant_all' }, otherModel(f)],
    };
  }
  const key = f.key ? `key ${describeKey(f.key)}` : 'this key';
  return {
    headline: `${f.provider} does not allow ${key} to use ${model}${detail(f.status, f.providerMessage)}`,
    advice: [{ kind: 'key_kept', why: 'model_access' }, { kind: 'other_model', how: 'grant' }, otherModel(f)],
  };
}

/** The provider refuses the place the request comes from: no key would do better, and none is judged. */
function explainRegion(f: FailureFacts): Explanation {
  // A route the caller named has no fallback (REQUESTED_ROUTE_RULE): the other way out is to ask for another provider.
  return {
    headline: `${f.provider} does not serve the country or region this request comes from${detail(f.status, f.providerMessage)}`,
    advice: [
      { kind: 'key_kept', why: 'not_judged' },
      { kind: 'change_network', provider: f.provider, because: 'region' },
      {
        kind: 'add_fallback',
        to: f.origin === 'request' ? 'other_provider_model' : 'other_provider',
        joint: ', or ',
      },
    ],
  };
}

/** Something in front of the provider answered with a web page: the request never reached its API, the key with it. */
function explainFirewall(f: FailureFacts): Explanation {
  const at = f.baseUrl ? ` at ${redactUrl(f.baseUrl)}` : '';
  const retries = f.retries ? `; ${retried(f.retries)}` : '';
  return {
    headline: `a firewall or bot-challenge page in front of ${f.provider}${at} answered instead of its API${detail(f.status, f.providerMessage)}${retries}`,
    advice: [
      { kind: 'key_kept', why: 'not_judged' },
      { kind: 'change_network', provider: f.provider, because: 'firewall' },
    ],
  };
}

function explainNotFound(f: FailureFacts): Explanation {
  if (f.modelAccessDenied) return explainModelAccess(f);
  if (f.blocked === 'region') return explainRegion(f);
  const model = f.model ? `model "${f.model}"` : 'the requested model';
  const headline = `${f.provider} does not know ${model}${detail(f.status, f.providerMessage)}`;
  if (f.origin === 'request') return { headline, advice: [{ kind: 'list_models', requestNamed: true }] };
  const where = f.origin !== undefined ? `${f.origin}.model` : 'main.model (or the route that names it)';
  return {
    headline,
    advice: [
      {
        kind: 'check_setting',
        about: 'model_name',
        provider: f.provider,
        path: `providers.${f.provider}.models`,
        modelSetting: where,
      },
      { kind: 'list_models', requestNamed: false },
    ],
  };
}

/** The proxy said no to the tunnel: not retried (its answer will not change), the key never left this machine. */
function explainProxyRefused(f: FailureFacts, setting: string): Explanation {
  const at = f.baseUrl ? ` at ${redactUrl(f.baseUrl)}` : '';
  const why = f.providerMessage ? ` (${f.providerMessage})` : '';
  return {
    headline: `the proxy ${f.via ?? ''} would not open a tunnel to ${f.provider}${at}${why}`,
    advice: [
      { kind: 'key_kept', why: 'never_sent' },
      { kind: 'check_setting', about: 'proxy_refused', provider: f.provider, path: setting },
      { kind: 'no_proxy', provider: f.provider },
    ],
  };
}

function explainConnection(f: FailureFacts): Explanation {
  if (f.blocked === 'firewall') return explainFirewall(f);
  const at = f.baseUrl ? ` at ${redactUrl(f.baseUrl)}` : '';
  const why = f.providerMessage || f.code;
  const retries = f.retries ? `; ${retried(f.retries)}` : '';
  const setting = f.baseUrlSetting ?? `providers.${f.provider}.base_url`;
  if (f.midStream || f.code === 'stream_cut' || f.code === 'answer_cut') {
    return {
      headline: `the connection to ${f.provider}${at} broke in the middle of the answer${why ? ` (${why})` : ''}${retries}`,
      advice: [
        { kind: 'hiccup', side: 'network' },
        { kind: 'check_setting', about: 'proxy_between', provider: f.provider, path: setting },
      ],
    };
  }
  if (f.blocked === 'proxy' && f.via !== undefined) return explainProxyRefused(f, setting);
  if (f.via !== undefined) {
    return {
      headline: `could not reach ${f.provider}${at} through the proxy ${f.via}${why ? ` (${why})` : ''}${retries}`,
      advice: [
        { kind: 'check_setting', about: 'proxy_up', provider: f.provider, path: setting },
        { kind: 'no_proxy', provider: f.provider },
      ],
    };
  }
  return {
    headline: `could not reach ${f.provider}${at}${why ? ` (${why})` : ''}${retries}`,
    advice: [{ kind: 'check_setting', about: 'reachable', provider: f.provider, path: setting }],
  };
}

function explainTimeout(f: FailureFacts): Explanation {
  // Our own `streaming.first_token_timeout` (routing/stream-watch.ts): the message says how long, the advice what to raise.
  if (f.code === 'first_token_timeout')
    return {
      headline: `${routeOf(f)}: ${f.providerMessage ?? 'no content in time'}${f.retries ? `; ${retried(f.retries)}` : ''}`,
      advice: [
        { kind: 'raise_setting', path: 'streaming.first_token_timeout', why: 'slow_model' },
        { kind: 'add_fallback', to: 'any', joint: ', or ' },
      ],
    };
  const within =
    f.timeoutMs !== undefined
      ? ` within ${timeoutWords(f.timeoutMs, f.timeoutSetting, f.taskTimeoutMs, f.taskTimeoutWhole)}`
      : ' in time';
  const raise = f.timeoutSetting ?? `providers.${f.provider}.timeout (or the task's timeout)`;
  return {
    ...routeLed(f, `did not answer${within}${f.retries ? `; ${retried(f.retries)}` : ''}`),
    advice: [
      { kind: 'raise_setting', path: raise, why: 'slow_model' },
      { kind: 'add_fallback', to: 'any', joint: ', or ' },
    ],
  };
}

/** How long an attempt waited and which setting decided it, so a timeout says what to raise. */
export function timeoutWords(ms: number, setting?: string, taskMs?: number, whole?: boolean): string {
  if (setting === undefined) return formatDuration(ms);
  if (taskMs === undefined) return `${formatDuration(ms)} (${setting})`;
  // A route that had the whole of the task's time had no "share": the setting's own length is the time it had, even
  // when the call spent a moment (on a busy machine, hundreds of ms) before its first attempt.
  if (whole === true) return `${formatDuration(taskMs)} (${setting})`;
  return `${formatDuration(ms)} (its share of ${setting}, ${formatDuration(taskMs)})`;
}

function explainServer(f: FailureFacts): Explanation {
  return {
    ...routeLed(f, `failed with a server error${detail(f.status, f.providerMessage)}; ${retried(f.retries)}`),
    advice: [
      { kind: 'hiccup', side: 'provider' },
      { kind: 'retry_later', when: 'later' },
      { kind: 'add_fallback', to: 'any', joint: ' or ' },
    ],
  };
}

function explainOverloaded(f: FailureFacts): Explanation {
  return {
    ...routeLed(f, `is overloaded${detail(f.status, f.providerMessage)}; ${retried(f.retries)}`),
    advice: [
      { kind: 'retry_later', when: 'shortly' },
      { kind: 'add_fallback', to: 'any', joint: ' or ' },
    ],
  };
}

function explainBadRequest(f: FailureFacts): Explanation {
  return {
    ...routeLed(f, `refused the request as invalid${detail(f.status, f.providerMessage)}`),
    advice: [{ kind: 'fix_request', how: 'fix' }],
  };
}

function explainContentFilter(f: FailureFacts): Explanation {
  return {
    ...routeLed(f, `blocked the request or its answer with a content filter${detail(f.status, f.providerMessage)}`),
    advice: [{ kind: 'fix_request', how: 'rephrase' }],
  };
}

const EXPLAINERS: Record<ErrorKind, (f: FailureFacts) => Explanation> = {
  auth_missing: (f) => describeMissing(f),
  auth_rejected: (f) => describeRejected(f),
  quota: explainQuota,
  rate_limited: explainRateLimited,
  overloaded: explainOverloaded,
  server: explainServer,
  timeout: explainTimeout,
  connection: explainConnection,
  context_length: explainContextLength,
  content_filter: explainContentFilter,
  not_found: explainNotFound,
  bad_request: explainBadRequest,
};

/** One explanation for any classified failure, as a value. */
export function explain(facts: FailureFacts): Explanation {
  return EXPLAINERS[facts.kind](facts);
}

/** One explanation for any classified failure, as the CLI says it. */
export function explainFailure(facts: FailureFacts): string {
  return cliLine(explain(facts));
}

/** An answer cut after it had started (routing/stream.ts): what the route's stream met, and why it was not carried
 * on elsewhere (`notResumed`: what streaming.resume found, when it tried). */
export interface MidStreamFacts {
  route: string;
  kind: ErrorKind;
  /** What broke it, in the provider's (or our clock's) words. */
  said?: string;
  notResumed?: string;
}

/** A committed stream is never switched to another route (the caller has part of the answer already), so asking again
 * is all there is to do. */
export function explainMidStream(f: MidStreamFacts): Explanation {
  return {
    headline: `the answer from ${f.route} broke off after it had started (${f.kind}${f.said ? `: ${f.said}` : ''})`,
    detail: f.notResumed ?? 'a stream is never switched to another route once content has been delivered',
    advice: [{ kind: 'retry_later', when: 'again' }],
  };
}

/** A key's state in words, as `auth explain` says why it skips a key — never a state name (`auth_suspect`). */
function candidateState(c: CandidateStatus, t: TimeFormat): string {
  const h = c.health;
  const until = h.until !== undefined ? ` until ${formatClock(h.until, { ...t, seconds: true })}` : '';
  if (h.state === 'rejected') {
    const ever =
      h.last_success_at === undefined
        ? 'never worked'
        : `worked before, last at ${formatClock(h.last_success_at, t)}; probably revoked`;
    return `rejected (${ever})${until}`;
  }
  // Its cooldown is over and its single probe is out: usability's words (health.ts).
  if (
    h.state === 'cooling' &&
    !c.usable &&
    c.why !== undefined &&
    h.until !== undefined &&
    (h.state_at ?? 0) >= h.until
  )
    return c.why;
  if (h.state === 'cooling') {
    // A suspect key is probed before its cooldown ends, when nothing else can answer.
    const probe =
      h.reason === 'auth_suspect' && h.probe_at !== undefined && h.until !== undefined && h.probe_at < h.until
        ? `, next probe at ${formatClock(h.probe_at, { ...t, seconds: true })}`
        : '';
    return `${COOLING_RULES[h.reason ?? 'rate_limited'].text}${until}${probe}`;
  }
  return c.usable ? 'ok' : (c.why ?? 'unusable');
}

/** Every key of a provider is unusable: list each with its state and until-when, and say when one comes back. */
export function describeAllUnusable(
  f: { provider: string; candidates: readonly CandidateStatus[]; earliestUntil?: number } & TimeFormat,
): Explanation {
  const list = f.candidates.map((c) => `${describeKey(c.credential)}: ${candidateState(c, f)}`).join('; ');
  const next =
    f.earliestUntil !== undefined
      ? `; the first one is usable again at ${formatClock(f.earliestUntil, { ...f, seconds: true })}`
      : '';
  return {
    headline: `every key for ${f.provider} is unusable`,
    detail: `${list}${next}`,
    advice: [
      { kind: 'add_key', provider: f.provider, count: 'a', joint: '; ' },
      { kind: 'reset_key', provider: f.provider, after: 'recovered', joint: ', or ' },
    ],
  };
}

export function explainAllUnusable(
  f: { provider: string; candidates: readonly CandidateStatus[]; earliestUntil?: number } & TimeFormat,
): string {
  return cliLine(describeAllUnusable(f));
}
