// A live probe of one credential (`auth test`, `doctor`): one tiny chat request, or a models list when no model is
// known — for a cloud, the read-only call its signature or token must pass (PROVING_LISTING) — sent down the route
// ladder pinned to that key. Changes no key's state unless asked, so looking at a flaky key never benches it; a key
// that answered is only noted as known-good (probeWriter).
import type { LoadedConfig } from '../config/types.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import type { CredentialPool } from '../credentials/pool.ts';
import { keyPast } from '../routing/key-health.ts';
import {
  failuresOnly,
  knownGoodOnly,
  recordRejected,
  serverReset,
  unwritten,
  type KeyWriter,
} from '../routing/key-record.ts';
import { HEALTH_SCOPE, routeAction } from '../routing/policy.ts';
import { healthKey, standingHealth } from '../credentials/scoped-health.ts';
import { upstreamFacts } from '../routing/route-run.ts';
import { runRoute } from '../routing/route-ladder.ts';
import { requestFor } from '../routing/adjust.ts';
import { Breakers } from '../routing/breaker.ts';
import { LadderEvents } from '../calls/events.ts';
import { TrialsOut } from '../routing/trials-out.ts';
import type { Attempt } from '../calls/types.ts';
import type { AuthVerdict, Credential, CredentialSource, HealthRecord } from '../credentials/types.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { BlockedBy } from '../errors/classify.ts';
import { explainFailure, type FailureFacts } from '../errors/messages.ts';
import { detail } from '../errors/explain-format.ts';
import { authVerdict, suspectProbeInterval, usability } from '../credentials/health.ts';
import type { StateStore } from '../state/types.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import { realSleep, type AdapterFor, type CallContext, type Sender, type Sleep } from '../routing/call-context.ts';
import type { AuthConfig, ProviderType } from '../config/schema.ts';
import { tokenForProbe } from './probe-mint.ts';
import type { MintFailure } from '../credentials/minted/mint-error.ts';

/** `accepted`: only a models list answered. `model_unavailable`: the provider answered but not with the model, so
 * no pass. Rejections read by the key's past (authVerdict). */
export type ProbeStatus =
  | 'valid'
  | 'accepted'
  | 'model_unavailable'
  | 'rejected'
  | 'suspect'
  | 'revoked'
  | 'quota'
  | 'rate_limited'
  | 'unreachable'
  | 'error'
  | 'mint_failed';

/** Each outcome in words (the RESULT column of `auth test` and `doctor`). A new way for a probe to end (a minted
 * credential that could not be minted) is a new row here. */
export const PROBE_VERDICTS: Readonly<Record<ProbeStatus, string>> = {
  valid: 'valid',
  accepted: 'accepted (models list only)',
  model_unavailable: 'model unavailable',
  rejected: 'rejected (never worked)',
  suspect: 'suspect (worked before; likely transient)',
  revoked: 'rejected (worked before; probably revoked)',
  quota: 'quota',
  rate_limited: 'rate-limited',
  unreachable: 'unreachable',
  error: 'error',
  // The credential's token could not be minted (probe-mint.ts): the provider was not asked.
  mint_failed: 'could not mint a token',
};

/** A rejection that retries did not clear, by what it means for the key (AuthVerdict): its status, and its words
 * where they say more than the status's (a key already resting as suspect is no longer "likely transient"). */
const REJECTION: Readonly<Record<AuthVerdict, { status: ProbeStatus; text?: string }>> = {
  never_accepted: { status: 'rejected' },
  known_good: { status: 'suspect' },
  suspect_probe: { status: 'suspect', text: 'suspect (worked before; still rejected)' },
  revoked: { status: 'revoked' },
};

/** The RESULT cell: the outcome in words. */
export function probeText(r: Pick<ProbeResult, 'status' | 'verdict'>): string {
  return (r.verdict !== undefined ? REJECTION[r.verdict].text : undefined) ?? PROBE_VERDICTS[r.status];
}

/** What a probe's failure kind says about the key. The key was accepted whenever the provider got past
 * authentication (a refused request still proves the key) — but a model it will not serve is the route's failure. */
export const PROBE_STATUS: Readonly<Record<ErrorKind, ProbeStatus>> = {
  auth_missing: 'rejected',
  auth_rejected: 'rejected',
  quota: 'quota',
  rate_limited: 'rate_limited',
  connection: 'unreachable',
  timeout: 'unreachable',
  server: 'error',
  overloaded: 'error',
  not_found: 'model_unavailable',
  bad_request: 'valid',
  context_length: 'valid',
  content_filter: 'valid',
};

/** A refusal by something other than the key or the model: the provider cannot be used from here, and the key was not
 * checked. */
const BLOCKED_STATUS: Readonly<Record<BlockedBy, ProbeStatus>> = {
  firewall: 'unreachable',
  region: 'unreachable',
  proxy: 'unreachable',
};

export function probeStatus(err: Pick<UpstreamError, 'kind' | 'blocked'>): ProbeStatus {
  return err.blocked !== undefined ? BLOCKED_STATUS[err.blocked] : PROBE_STATUS[err.kind];
}

export interface ProbeResult {
  provider: string;
  credential: { fingerprint: string; masked: string; sources: CredentialSource[] };
  status: ProbeStatus;
  latency_ms: number;
  /** `chat provider/model` or `models list`. */
  method: string;
  /** The model a chat probe asked for (a route naming another model is not judged by this probe's model failure). */
  model?: string;
  kind?: ErrorKind;
  /** Not the key nor the model: a firewall page answered, or the provider refuses the region (see probeStatus). */
  blocked?: BlockedBy;
  /** A rejection: what it means for the key, from its health before the probe (authVerdict). */
  verdict?: AuthVerdict;
  http_status?: number;
  /** What happened, in words (explained failures); never a secret. */
  message: string;
  /** The task whose own key this is (`auxiliary.T.api_key`), probed on that task's route. */
  task?: string;
  /** For a task's key: its slot and where the value came from (`auxiliary.T.api_key ← .env TITLE_KEY (…)`). */
  origin?: string;
  /** Why the key is still not used although the probe did not fail (an `accepted` models list changes nothing). */
  set_aside?: string;
  /** A `valid` cloud key whose proving listing does not name the route's model (unlistedModel). */
  warning?: string;
  /** With `mint_failed`: what failed in the mint (probe-mint.ts). */
  mint_failure?: MintFailure;
}

/** Where to probe a key other than on its provider's own settings: a task's key on that task's route. */
export interface ProbeTarget {
  task?: string;
  origin?: string;
  model?: string;
  baseUrl?: string;
  /** A task's own `auth` for its base_url. */
  auth?: AuthConfig;
}

/** The read-only call that proves a cloud's credential (its signature, token or key checked as a chat's would be)
 * without a chat: a success is `valid`, a failure classified like a chat's. OpenAI's and Anthropic's keys are still
 * probed with a one-token chat, since their models lists accept keys a chat refuses. */
export const PROVING_LISTING: Readonly<Partial<Record<ProviderType, string>>> = {
  bedrock: 'ListFoundationModels (signed)',
  vertex: 'publisher models list (token)',
  gemini: 'models list (key)',
  azure: 'models list (key)',
};

/** The clouds whose proving listing names the models their routes ask for. Azure OpenAI's lists base models, not the
 * deployments a route names, so it is not checked. */
const LISTS_ROUTE_MODELS: ReadonlySet<ProviderType> = new Set(['bedrock', 'vertex', 'gemini']);

/** The route's model when the listing that proved the key does not name it — a typo, or a model not enabled for that
 * account, project or region: a warning, since the key itself is fine. A Bedrock ARN (an application inference
 * profile) is not listed there, so it is not judged; a version (`@20250929`) or Vertex's `anthropic/` is ignored. */
export function unlistedModel(type: ProviderType, model: string | undefined, listed: unknown): string | undefined {
  if (model === undefined || model.startsWith('arn:') || !LISTS_ROUTE_MODELS.has(type)) return undefined;
  if (!Array.isArray(listed) || listed.length === 0) return undefined;
  const bare = (id: string): string => id.replace(/^anthropic\//, '').replace(/@.*$/, '');
  return listed.some((id) => typeof id === 'string' && bare(id) === bare(model)) ? undefined : model;
}

/** The words for a key only a models list has seen: it proves less than the name suggests. */
export const LISTED_ONLY = 'accepted by /v1/models (chat not tested)';

const PROBE_TIMEOUT_MS = 15_000;

/** The probe's chat: one token. */
const PING = { messages: [{ role: 'user' as const, content: 'ping' }], max_tokens: 1 };

/** The model to probe with: the provider's model in the main chain, any route, or its first listed model. */
export function probeModel(loaded: LoadedConfig, provider: string): string | undefined {
  const c = loaded.config;
  const routes = [
    c.main,
    ...c.fallback,
    ...Object.values(c.auxiliary).flatMap((t) => [
      t.provider === provider && t.model ? { provider, model: t.model } : undefined,
      ...t.fallback_chain,
    ]),
  ];
  const named = routes.find((r) => r?.provider === provider)?.model;
  return named ?? Object.keys(c.providers[provider]?.models ?? {})[0];
}

export interface ProbeDeps {
  loaded: LoadedConfig;
  pool: CredentialPool;
  /** Health as the router sees it (a task's key is not among the pool's candidates). */
  store: StateStore;
  adapterFor: AdapterFor;
  now?: () => number;
  /** The wait before a rejection is asked again, and its jitter: injected as the router's are (tests pass their own). */
  sleep?: Sleep;
  random?: () => number;
  timeZone?: string;
  /** Record the outcome in the credential's health as a request's would be (default: only a chat's or a cloud's
   * proving call's success, as known-good). */
  record?: boolean;
}

export async function probeCredential(
  deps: ProbeDeps,
  given: Credential,
  target: ProbeTarget = {},
): Promise<ProbeResult> {
  const now = deps.now ?? Date.now;
  // A minted credential's token first: a mint that fails is its own result (probe-mint.ts).
  const minted = await tokenForProbe(deps.pool, given, now);
  if ('failure' in minted)
    return {
      provider: given.provider,
      credential: keyView(given),
      ...minted.failure,
      ...taskOf(target),
    };
  const credential = minted.credential;
  const provider = credential.provider;
  const p = deps.loaded.config.providers[provider];
  const view = keyView(credential);
  const task = taskOf(target);
  if (!p)
    return {
      provider,
      credential: view,
      status: 'error',
      latency_ms: 0,
      method: '-',
      message: `provider ${provider} is not configured`,
      ...task,
    };
  // A cloud's credential is proved by a read-only call its signature or token must pass: no chat is spent on it.
  const proving = PROVING_LISTING[p.type];
  const model = proving !== undefined ? undefined : target.model || probeModel(deps.loaded, provider);
  const route = probeRoute(provider, model, target);
  const method = proving !== undefined ? proving : model ? `chat ${provider}/${model}` : 'models list';
  const started = now();
  if (model) task.model = model;
  // Read before any failure is recorded: what a rejection means depends on the key's state until now.
  const before = deps.store.getHealth(credential.fingerprint);
  const sent = await sendAsARequest(deps, credential, {
    route,
    send: model
      ? (adapter, ctx, r, adjust) => adapter.send(requestFor(PING, r, adjust), ctx)
      : (adapter, ctx) => adapter.listModels(ctx),
    deadline: started + Math.min(p.timeout, PROBE_TIMEOUT_MS),
    listing: model === undefined && proving === undefined,
  });
  if (sent.err === undefined) {
    if (!model && proving === undefined)
      return {
        ...listedOnly(deps, credential, now()),
        provider,
        credential: view,
        latency_ms: now() - started,
        method,
        ...task,
      };
    const accepted = proving !== undefined ? `accepted by ${proving} (no chat sent)` : 'accepted';
    const retried =
      sent.retries > 0
        ? `${accepted} on retry ${sent.retries} (rejected before it: a transient rejection, which the router retries too)`
        : accepted;
    const aside = deps.record ? undefined : setAside(standingHealth(deps.store, credential, now()).record, now());
    // Not recorded: the router keeps skipping it until its own probe or a reset, and should be told so.
    const unlisted =
      proving === undefined
        ? undefined
        : unlistedModel(p.type, target.model || probeModel(deps.loaded, provider), sent.value);
    const warning =
      unlisted === undefined
        ? undefined
        : `${unlisted} is not in that list: a request for it may be refused as model_not_found (check the model id, and that it is enabled for this ${p.type === 'bedrock' ? 'account in its region' : 'project'})`;
    const said = warning === undefined ? retried : `${retried}; but ${warning}`;
    const message = aside
      ? `${said}, but not recorded, so the router still skips it (${aside}); run with --record, or \`switchyard auth reset ${provider} ${credential.fingerprint}\`, to put it back in use`
      : said;
    return {
      provider,
      credential: view,
      status: 'valid',
      latency_ms: now() - started,
      method,
      message,
      ...(aside ? { set_aside: aside } : {}),
      ...(warning !== undefined ? { warning } : {}),
      ...task,
    };
  }
  const err = sent.err;
  const verdict = keyRejected(err) ? authVerdict(before, started) : undefined;
  const status = verdict !== undefined ? REJECTION[verdict].status : probeStatus(err);
  const health = deps.record ? record(deps, credential, err, status) : undefined;
  const until = deps.record ? health?.until : serverReset(err, now());
  const message = probeMessage(deps, {
    credential,
    err,
    model,
    baseUrl: route.baseUrl ?? p.base_url,
    before,
    until,
    target,
    retries: sent.retries,
    recorded: deps.record === true,
  });
  const result: ProbeResult = {
    provider,
    credential: view,
    status,
    latency_ms: now() - started,
    method,
    kind: err.kind,
    message,
    ...task,
  };
  if (err.status !== undefined) result.http_status = err.status;
  if (err.blocked !== undefined) result.blocked = err.blocked;
  if (verdict !== undefined) result.verdict = verdict;
  return result;
}

/** The key as a result names it: never its secret. */
function keyView(c: Credential): ProbeResult['credential'] {
  return { fingerprint: c.fingerprint, masked: c.masked, sources: c.sources.map((s) => ({ ...s })) };
}

/** A task's own key: which task, and where its value came from. */
function taskOf(target: ProbeTarget): Pick<ProbeResult, 'task' | 'origin' | 'model'> {
  return {
    ...(target.task !== undefined ? { task: target.task } : {}),
    ...(target.origin !== undefined ? { origin: target.origin } : {}),
  };
}

/** A rejection of the key itself: the ladder runs AUTH_RULES on it (ROUTE_LADDER's `auth`), and so does the probe. A
 * refusal by a firewall, region or proxy is not the key's. */
function keyRejected(err: UpstreamError): boolean {
  return routeAction(err.kind) === 'auth' && err.blocked === undefined;
}

/** Sends the probe down the route ladder itself (runRoute), pinned to this one key (CallContext.only): the request a
 * call would send, AUTH_RULES retrying a rejection as for a request (so one transient 401 on a working key, seed 002,
 * does not make the probe call it rejected), the key's health written as a request writes it, but only with --record.
 * `retries`: rejections asked again. */
async function sendAsARequest(
  deps: ProbeDeps,
  credential: Credential,
  probe: { route: RouteSpec; send: Sender<unknown>; deadline: number; listing: boolean },
): Promise<{ err?: UpstreamError; retries: number; value?: unknown }> {
  const now = deps.now ?? Date.now;
  const trail: Attempt[] = [];
  // Its token was minted already (tokenForProbe): sent as a key, so a failed mint is the probe's own result.
  const { minted: _minted, ...key } = credential;
  const ctx: CallContext = {
    task: probe.route.origin,
    loaded: deps.loaded,
    pool: deps.pool,
    store: deps.store,
    // The probe's own: an open breaker does not stop a probe, nor does a probe's failure count towards one.
    breakers: new Breakers({}, now),
    trials: new TrialsOut(),
    adapterFor: deps.adapterFor,
    events: new LadderEvents(),
    trail,
    now,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
    only: { credential: key, keys: probeWriter(deps, probe.listing) },
  };
  if (deps.timeZone !== undefined) ctx.timeZone = deps.timeZone;
  const outcome = await runRoute(probe.route, ctx, probe.send, { deadline: probe.deadline });
  // Each trail entry is one attempt of the one key: every one after the first asked again.
  const retries = Math.max(0, trail.length - 1);
  if (outcome.ok) return { retries, value: outcome.value };
  const err = outcome.failure.cause;
  if (err === undefined) throw new Error(`probe of ${credential.provider}: ${outcome.failure.explanation}`);
  return { err, retries };
}

/** Where the probe writes the key's health: without --record, only that a chat (or a cloud's proving call) answered,
 * which makes the key known-good and nothing else; a models list, which proves little, only its failures with
 * --record, and nothing without (a success would make a key known-good on the word of a listing). */
function probeWriter(deps: ProbeDeps, listing: boolean): KeyWriter {
  if (!deps.record) return listing ? unwritten(deps.store) : knownGoodOnly(deps.store, deps.now ?? Date.now);
  return listing ? failuresOnly(deps.pool, deps.store) : deps.pool;
}

/** A models list proves little (some providers list for any key), so it records nothing, neither a success nor a
 * clearing. */
function listedOnly(
  deps: ProbeDeps,
  credential: Credential,
  now: number,
): Pick<ProbeResult, 'status' | 'message' | 'set_aside'> {
  const aside = setAside(standingHealth(deps.store, credential, now).record, now);
  if (aside)
    return { status: 'accepted', message: `${LISTED_ONLY}, so its state is unchanged: ${aside}`, set_aside: aside };
  const provider = credential.provider;
  return {
    status: 'accepted',
    message: `${LISTED_ONLY}; to test it with a one-token chat, name a model for ${provider} (a route, or providers.${provider}.models)`,
  };
}

/** Why the router still skips this key (`rejected (never accepted); next probe at …`, `out of quota until …`). */
function setAside(health: HealthRecord | undefined, now: number): string | undefined {
  if (!health || health.state === 'ok') return undefined;
  const u = usability(health, now);
  if (health.state === 'rejected') return u.why ?? 'rejected (never accepted)';
  return u.usable ? undefined : u.why;
}

/** With --record: the key's health after the failure. The ladder wrote what a request's failure writes (a cooling,
 * a rejection by its AUTH_RULES row); the probe adds what only it learns: a request refused for itself still proved the
 * key, and a provider saying the key is missing rejected it. */
function record(
  deps: ProbeDeps,
  credential: Credential,
  err: UpstreamError,
  status: ProbeStatus,
): HealthRecord | undefined {
  const pool = deps.pool;
  if (status === 'valid') return pool.recordSuccess(credential);
  // A model the provider will not serve says nothing certain about the key (some answer it before checking the key):
  // a success here would make a never-used key "known-good" and buy a dead one auth retries.
  if (status === 'model_unavailable') return undefined;
  if (keyRejected(err)) return deps.store.getHealth(credential.fingerprint);
  // A throttle rests the key where HEALTH_SCOPE keeps it: in the region probed.
  if (routeAction(err.kind) === 'cool_and_rotate')
    return deps.store.getHealth(healthKey(credential, HEALTH_SCOPE[err.kind as 'rate_limited' | 'quota']));
  if (status === 'rejected') return recordRejected(pool, credential, err);
  // unreachable / provider errors say nothing about the key: its health is left alone.
  return undefined;
}

/** A route of the probe's own: the provider's, or a task's (its base_url and auth), with the model probed (none for a
 * models list). */
function probeRoute(provider: string, model: string | undefined, target: ProbeTarget): RouteSpec {
  const route: RouteSpec = {
    provider,
    model: model ?? '',
    origin: target.task !== undefined ? `auxiliary.${target.task}` : 'probe',
  };
  if (target.baseUrl !== undefined) route.baseUrl = target.baseUrl;
  if (target.auth !== undefined) route.auth = target.auth;
  return route;
}

interface FailedProbe {
  credential: Credential;
  err: UpstreamError;
  model: string | undefined;
  /** Where the probe was sent. */
  baseUrl: string;
  /** The key's health before this probe's failure was recorded. */
  before: HealthRecord | undefined;
  until: number | undefined;
  target: ProbeTarget;
  /** Rejections retried before this failure (sendAsARequest). */
  retries: number;
  /** Whether the outcome was recorded in the key's health (--record). */
  recorded: boolean;
}

/** The model the probe asked for is not served to this key: the key got past authentication, the route did not. */
function modelUnavailableMessage(provider: string, f: FailedProbe): string {
  const model = f.model ?? 'the probed model';
  const where = f.target.task !== undefined ? `auxiliary.${f.target.task}.model` : 'the route that names it';
  const fix = f.err.modelAccessDenied
    ? `give the key's organisation or project access to ${model} with the provider, or name another model in ${where}`
    : `check the model name in ${where} and providers.${provider}.models`;
  return `key accepted, but model ${model} is not served to it${detail(f.err.status, f.err.providerMessage)}; every call of a route naming it fails — ${fix}`;
}

/** The router's own explanation for the failure: a rejection reads by what it means for the key (authVerdict), so
 * a key already judged revoked or suspect is not called "likely transient". */
function probeMessage(deps: ProbeDeps, f: FailedProbe): string {
  const { credential, err } = f;
  const status = probeStatus(err);
  if (status === 'model_unavailable') return modelUnavailableMessage(credential.provider, f);
  if (status === 'valid')
    return `accepted (the test request itself failed: ${err.kind}${err.providerMessage ? `: ${err.providerMessage}` : ''})`;
  const now = deps.now?.() ?? Date.now();
  // A task's own base_url is set in the task, not under the provider: name the setting that holds it.
  const task = f.target.task;
  const setting = f.target.baseUrl !== undefined && task !== undefined ? `auxiliary.${task}.base_url` : undefined;
  const facts: FailureFacts = {
    kind: err.kind,
    provider: credential.provider,
    ...upstreamFacts(err, credential, f.baseUrl, setting),
    ...(f.model ? { model: f.model } : {}),
    ...(f.until !== undefined ? { until: f.until } : {}),
    ...(deps.timeZone ? { timeZone: deps.timeZone } : {}),
    now,
    ...(f.recorded ? {} : { recorded: false }),
  };
  if (err.kind === 'auth_rejected') Object.assign(facts, rejectionFacts(deps, f.before, now, f.retries, f.until));
  return explainFailure(facts);
}

function rejectionFacts(
  deps: ProbeDeps,
  before: HealthRecord | undefined,
  now: number,
  retries: number,
  until: number | undefined,
): Partial<FailureFacts> {
  const verdict = authVerdict(before, now);
  const facts: Partial<FailureFacts> = { verdict, retries, ...keyPast(verdict, before) };
  // A known-good key given up on rests as auth suspect from now, probed now and then (as the router says it).
  if (verdict === 'known_good' && until !== undefined)
    facts.probeEveryMs = suspectProbeInterval(deps.loaded.config.cooldowns);
  if (verdict === 'suspect_probe') {
    if (before?.until !== undefined) facts.until = before.until;
    facts.probeEveryMs = suspectProbeInterval(deps.loaded.config.cooldowns);
  }
  return facts;
}
