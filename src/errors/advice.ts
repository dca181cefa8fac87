// What the user can do about a failure, as values (docs/routing.md): a closed union, rendered for each reader by a
// table keyed by kind, so adding a kind makes the type checker name every renderer that must say it.
import type { TimeFormat } from './explain-format.ts';
import { formatClock, formatDuration } from './explain-format.ts';

/** Reset a key's recorded state: after topping up billing, or when the provider has recovered. */
export interface ResetKeyAdvice {
  kind: 'reset_key';
  provider: string;
  /** `top_up`: pay the provider first (quota); `recovered`: if the provider has recovered. */
  after: 'top_up' | 'recovered';
}

/** Add (or store) a key for the provider. */
export interface AddKeyAdvice {
  kind: 'add_key';
  provider: string;
  /** How many, and what for: `one` (there is none), `a`, `another`, `more` (rate limits), `for_host` (the host the
   * config names). */
  count: 'one' | 'a' | 'another' | 'more' | 'for_host';
}

/** The key itself is the problem: check or replace it (`persists`: only if the rejections go on). */
export interface ReplaceKeyAdvice {
  kind: 'replace_key';
  persists?: true;
}

/** Likely transient: wait, the key set aside until a time and probed now and then. */
export interface WaitAdvice {
  kind: 'wait';
  until?: number;
  probeEveryMs?: number;
}

/** Try again later (a provider-side problem) or shortly (overload), send fewer requests (rate limits), or ask again
 * now (an answer cut after it started, which is never switched to another route). */
export interface RetryLaterAdvice {
  kind: 'retry_later';
  when: 'later' | 'shortly' | 'send_fewer' | 'again';
}

/** A setting to check: the provider's address (and the service behind it), a proxy, a model name. */
export interface CheckSettingAdvice {
  kind: 'check_setting';
  path: string;
  /** What to check along with it. */
  about: 'reachable' | 'proxy_up' | 'proxy_between' | 'proxy_refused' | 'model_name';
  provider: string;
  /** about `model_name`: where the model is named, checked with `path`. */
  modelSetting?: string;
}

/** A setting to raise or set: a timeout when the model is slow, a context window so small routes are skipped. */
export interface RaiseSettingAdvice {
  kind: 'raise_setting';
  path: string;
  why: 'slow_model' | 'skip_small_routes';
}

/** Add a fallback route: any, a larger model, one to another provider (or, for a route the caller named, ask for
 * another provider's model). */
export interface AddFallbackAdvice {
  kind: 'add_fallback';
  /** `another`: the chain has a fallback already, and it failed too (adviceForChain). */
  to: 'any' | 'another' | 'larger_model' | 'larger_window' | 'other_provider' | 'other_provider_model';
}

/** The request itself: fix it, rephrase it, or make it shorter. */
export interface FixRequestAdvice {
  kind: 'fix_request';
  how: 'fix' | 'rephrase' | 'shorten';
}

/** A ./switchyard.yaml that is not trusted: trust it if it is yours (it sends keys to a host of its own, or would
 * mint its key). */
export interface TrustConfigAdvice {
  kind: 'trust_config';
  provider: string;
  because: 'sends_keys' | 'mints_key';
}

/** The key is not at fault and stays in use: for other models, not judged at all, or never sent. */
export interface KeyKeptAdvice {
  kind: 'key_kept';
  why: 'model_access' | 'model_access_all' | 'not_judged' | 'never_sent';
}

/** Another model: give the key's organisation access, name another in a setting, or ask for another. */
export interface OtherModelAdvice {
  kind: 'other_model';
  /** `grant` / `grant_all`: give the key's (or keys') organisation access; `name`: another model in `path`;
   * `ask`: the request named it, so ask for another. */
  how: 'grant' | 'grant_all' | 'name' | 'ask';
  path?: string;
}

/** Where to see the models a provider offers (the request named one it does not know, or the config did). */
export interface ListModelsAdvice {
  kind: 'list_models';
  /** The request named the model: the gateway's models list says it too. */
  requestNamed: boolean;
}

/** Send from elsewhere: a region the provider serves, or a network that is not blocked. */
export interface ChangeNetworkAdvice {
  kind: 'change_network';
  provider: string;
  because: 'region' | 'firewall';
}

/** A network or provider hiccup: nothing to do unless it keeps happening. */
export interface HiccupAdvice {
  kind: 'hiccup';
  /** `network`: a connection broke mid-answer; `provider`: the provider's own problem. */
  side: 'network' | 'provider';
}

/** `proxy: none` sends directly. */
export interface NoProxyAdvice {
  kind: 'no_proxy';
  provider: string;
}

/** Something went wrong in Switchyard itself. */
export interface ReportBugAdvice {
  kind: 'report_bug';
}

export type Advice =
  | ResetKeyAdvice
  | AddKeyAdvice
  | ReplaceKeyAdvice
  | WaitAdvice
  | RetryLaterAdvice
  | CheckSettingAdvice
  | RaiseSettingAdvice
  | AddFallbackAdvice
  | FixRequestAdvice
  | TrustConfigAdvice
  | KeyKeptAdvice
  | OtherModelAdvice
  | ListModelsAdvice
  | ChangeNetworkAdvice
  | HiccupAdvice
  | NoProxyAdvice
  | ReportBugAdvice;

/** How the one-line sentence joins an advice to what comes before it (the first to the headline: ` — `). Only the
 * line renderers read it. */
export type Joint = ' — ' | '; ' | ', ' | ' or ' | ', or ' | ', and ' | '; or ';

/** An advice with its joint in the one-line sentence. */
export type Said = Advice & { joint?: Joint };

/** The commands a reader can run: the CLI's, a library caller's (a configFromObject config lives only in the
 * calling process, where no CLI command can see it), or a gateway client's. */
export interface Commands {
  addKey(provider: string): string;
  reset(provider: string): string;
  /** Where the models are listed; `requestNamed`: the request named the model (the gateway's list says it too). */
  listModels(requestNamed: boolean): string;
}

export const CLI_COMMANDS: Commands = {
  addKey: (p) => `\`switchyard auth add ${p}\``,
  reset: (p) => `\`switchyard auth reset ${p}\``,
  listModels: (named) => (named ? '`switchyard doctor` (or GET /v1/models on the gateway)' : '`switchyard doctor`'),
};

export const LIBRARY_COMMANDS: Commands = {
  addKey: (p) => `\`providers.${p}.api_keys\` in the config object (or its key_env variable)`,
  reset: (p) => `\`pool.reset('${p}')\` on the Switchyard instance`,
  listModels: (named) =>
    named ? "the provider's models list (or GET /v1/models on the gateway)" : "the provider's models list",
};

/** A gateway client's: it cannot run the CLI, but whoever runs the gateway can (a key is added and reset where the
 * gateway's state is, or through its admin API), and the client can list the gateway's models itself. */
export const GATEWAY_COMMANDS: Commands = {
  addKey: (p) => `\`switchyard auth add ${p}\` where the gateway runs`,
  reset: (p) => `\`switchyard auth reset ${p}\` where the gateway runs (or the admin API's reset)`,
  listModels: (named) => (named ? 'GET /v1/models on this gateway' : '`switchyard doctor` where the gateway runs'),
};

/** The commands a config's reader can run: a configFromObject config is invisible to the CLI. */
export function commandsFor(loaded: { fromObject?: true }): Commands {
  return loaded.fromObject === true ? LIBRARY_COMMANDS : CLI_COMMANDS;
}

type Render<K extends Advice['kind']> = (a: Extract<Advice, { kind: K }>, c: Commands, t: TimeFormat) => string;

const ADD_KEY: Record<AddKeyAdvice['count'], string> = {
  one: 'add one with',
  a: 'add a key with',
  another: 'add another key with',
  more: 'add more keys with',
  for_host: 'store a key for that host with',
};

const RETRY_WHEN: Record<RetryLaterAdvice['when'], string> = {
  later: 'try again later',
  shortly: 'try again shortly',
  send_fewer: 'send fewer requests',
  again: 'ask again',
};

const CHECK: Record<CheckSettingAdvice['about'], (a: CheckSettingAdvice) => string> = {
  reachable: (a) => `check ${a.path} and that the service is up and reachable from here`,
  proxy_up: (a) =>
    `check that the proxy is up, lets this machine through to that host and has the right user and password, and ${a.path}`,
  proxy_between: (a) => `if it keeps happening, check ${a.path} and any proxy in between`,
  proxy_refused: (a) =>
    `put the proxy's user and password in its URL (http://user:password@host:port), ask its administrator to allow that host, or check ${a.path}`,
  model_name: (a) => `check the model name in ${a.modelSetting ?? a.path} and ${a.path}`,
};

const FALLBACK: Record<AddFallbackAdvice['to'], string> = {
  any: 'add a fallback route',
  another: 'add another fallback route (every route of the chain failed)',
  larger_model: 'add a larger model to the fallback chain',
  larger_window: 'add a model with a larger window',
  other_provider: 'add a fallback route to another provider',
  other_provider_model: 'ask for a model of another provider',
};

const FIX: Record<FixRequestAdvice['how'], string> = {
  fix: 'fix the request (another provider would refuse it too, so there was no fallback)',
  rephrase: 'rephrase the request (another provider would likely refuse it too, so there was no fallback)',
  shorten: 'compress or shorten it',
};

const KEPT: Record<KeyKeptAdvice['why'], string> = {
  model_access: 'the key itself is fine and stays in use for other models',
  model_access_all: 'the keys themselves are fine and stay in use for other models',
  not_judged: 'the key was not judged and stays as it is',
  never_sent: 'not retried, as asking again cannot change that, and the key was never sent, so it stays as it is',
};

/** One renderer per kind: the clause a one-line sentence says for it. */
const CLAUSES: { [K in Advice['kind']]: Render<K> } = {
  reset_key: (a, c) =>
    a.after === 'top_up'
      ? `top up billing with the provider (then ${c.reset(a.provider)} puts it back in use at once)`
      : `clear a state with ${c.reset(a.provider)} if the provider has recovered`,
  add_key: (a, c) => `${ADD_KEY[a.count]} ${c.addKey(a.provider)}`,
  replace_key: (a) => (a.persists ? 'if this goes on, check or replace it' : 'check or replace it'),
  wait: (a, _c, t) => {
    const aside =
      a.until !== undefined
        ? `; it is set aside (auth suspect) until ${formatClock(a.until, { ...t, seconds: true })}, probed once ${a.probeEveryMs !== undefined ? `every ${formatDuration(a.probeEveryMs)}` : 'now and then'} while no other key can answer`
        : '';
    return `likely a transient provider problem${aside}`;
  },
  retry_later: (a) => RETRY_WHEN[a.when],
  check_setting: (a) => CHECK[a.about](a),
  raise_setting: (a) =>
    a.why === 'slow_model'
      ? `raise ${a.path} if the model is slow`
      : `set ${a.path} so Switchyard can skip routes that cannot hold it`,
  add_fallback: (a) => FALLBACK[a.to],
  fix_request: (a) => FIX[a.how],
  trust_config: (a) =>
    a.because === 'sends_keys'
      ? `if this ./switchyard.yaml is yours, \`switchyard config trust\`; if not, it sends ${a.provider}'s keys to a host of its choosing (providers.${a.provider}.base_url) — do not add one for it`
      : 'if this ./switchyard.yaml is yours, `switchyard config trust` lets it mint its key',
  key_kept: (a) => KEPT[a.why],
  other_model: (a) => {
    if (a.how === 'grant') return "give the key's organisation or project access to the model with the provider";
    if (a.how === 'grant_all') return 'give their organisation or project access to the model with the provider';
    if (a.how === 'ask') return 'ask for another model';
    return `or name another model in ${a.path ?? 'main.model (or the route that names it)'}`;
  },
  list_models: (a, c) =>
    a.requestNamed
      ? `the request named it; ${c.listModels(true)} lists the models`
      : `${c.listModels(false)} lists the models the provider offers`,
  change_network: (a) =>
    a.because === 'region'
      ? `send from a region the provider supports (a server there, or a proxy there set as providers.${a.provider}.proxy)`
      : `this network or IP is being blocked or challenged (a VPN, proxy or datacenter address often is): check providers.${a.provider}.base_url, and try from another network or through a proxy the provider accepts`,
  hiccup: (a) => (a.side === 'network' ? 'usually a network or provider hiccup' : "a problem on the provider's side"),
  no_proxy: (a) => `\`proxy: none\` under providers.${a.provider} sends directly`,
  report_bug: () => 'this is a bug in Switchyard: please report it with the trail (`switchyard chat --json`)',
};

/** A chain of this many routes has several fallbacks already: one more is no advice when they all failed. */
const SEVERAL_ROUTES = 3;

const anyFallback = (a: Said): boolean => a.kind === 'add_fallback' && a.to === 'any';

/** A route's advice in a chain of `routes` routes: "add a fallback route" is said of a chain that has none; a chain
 * with one fallback that failed too is told to add another; a chain of several is told only what its kind advises
 * (try again later, raise a timeout), not to add a fallback on every line. */
export function adviceForChain(advice: readonly Said[], routes: number): readonly Said[] {
  if (routes <= 1 || !advice.some(anyFallback)) return advice;
  if (routes >= SEVERAL_ROUTES) return advice.filter((a) => !anyFallback(a));
  return advice.map((a) => (anyFallback(a) ? { ...a, to: 'another' } : a));
}

/** The clause one advice says, in a reader's commands. */
export function adviceClause(a: Advice, commands: Commands = CLI_COMMANDS, time: TimeFormat = {}): string {
  return (CLAUSES[a.kind] as (a: Advice, c: Commands, t: TimeFormat) => string)(a, commands, time);
}

/** Every advice as one run of text: each after its joint (the first after `first`). */
export function adviceText(advice: readonly Said[], commands: Commands, time: TimeFormat, first: Joint | ''): string {
  return advice
    .map((a, i) => `${i === 0 ? (a.joint ?? first) : (a.joint ?? '; ')}${adviceClause(a, commands, time)}`)
    .join('');
}
