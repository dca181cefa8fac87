// One-line, human descriptions of a scenario's keys, models and OAuth2 clients, for `switchyard sim` to print at
// start-up, and the names its call lines give keys. Keys, client secrets and refresh tokens are always shown masked.
import { fingerprint, mask } from '../config/mask.ts';
import { formatDurationSetting } from '../config/duration.ts';
import { RATE_NAMES, type KeyBehaviour, type ModelSpec, type OAuthClient, type Scenario } from './scenario.ts';

/** Names keys masked, as the simulator's console shows them, adding the key's ID where the mask alone could be
 * another key's. A whole key is never shown. */
export function keyNamer(scenarioKeys: Iterable<string>): (key: string) => string {
  const masks = new Map<string, number>();
  const listed = new Set<string>();
  for (const key of scenarioKeys) {
    if (key === '*') continue;
    listed.add(key);
    masks.set(mask(key), (masks.get(mask(key)) ?? 0) + 1);
  }
  return (key) => {
    const masked = mask(key);
    const unique = listed.has(key) && masks.get(masked) === 1;
    return unique ? masked : `${masked} (ID ${fingerprint(key)})`;
  };
}

/** `label` is how the key is named (see keyNamer); by default its mask alone. */
export function describeKey(
  key: string,
  b: KeyBehaviour,
  label: string = key === '*' ? '* (any other key)' : mask(key),
): string {
  if (!b.valid) return `${label}: never valid (401 invalid_api_key)`;
  const parts: string[] = [];
  if (b.apis) parts.push(`only ${b.apis.join(', ')} API`);
  if (b.models) parts.push(`only models ${b.models.join(', ')}`);
  if (b.script.length > 0) parts.push(`script ${b.script.join(', ')}${b.loop_script ? ' (looping)' : ''}`);
  if (b.quota === 'payment') parts.push('out of credit (402)');
  else if (b.quota !== false) parts.push('quota exhausted (429 insufficient_quota)');
  if (b.rate_limit_after !== undefined) {
    parts.push(
      `429 after ${b.rate_limit_after} calls per ${formatDurationSetting(b.reset)} window (${b.reset_headers.join(', ')})`,
    );
  }
  parts.push(...ratesAndTiming(b), ...answerNotes(b));
  return `${label}: ${parts.length > 0 ? `valid; ${parts.join('; ')}` : 'valid'}`;
}

export function describeModel(id: string, m: ModelSpec): string {
  const output = m.max_output_tokens !== undefined ? [`max_tokens ≤ ${m.max_output_tokens}`] : [];
  return [`${id}: context ${m.context_window}`, ...output, ...ratesAndTiming(m), ...answerNotes(m)].join('; ');
}

/** The answer options set here (false/`present` written out too: they override the model's). */
function answerNotes(x: KeyBehaviour | ModelSpec): string[] {
  const notes: string[] = [];
  if (x.prompt_cache !== undefined) notes.push(`prompt cache ${x.prompt_cache ? 'on' : 'off'}`);
  if (x.stop_sequences !== undefined) notes.push(`stop sequences ${x.stop_sequences ? 'on' : 'off'}`);
  if (x.tool_call_ids !== undefined) notes.push(`tool-call ids ${x.tool_call_ids}`);
  return notes;
}

function ratesAndTiming(x: KeyBehaviour | ModelSpec): string[] {
  const parts: string[] = [];
  for (const rate of RATE_NAMES) {
    const p = x[rate];
    if (p) parts.push(`${rate.replace(/_rate$/, '')} ${Math.round(p * 1000) / 10}%`);
  }
  if (x.latency) parts.push(`latency ${formatDurationSetting(x.latency)}`);
  if (x.stream_delay) parts.push(`stream delay ${formatDurationSetting(x.stream_delay)}`);
  return parts;
}

/** `app: grants client_credentials, refresh_token; secret …et; …; tokens expire after 1h`, secrets masked as keys
 * are. `asKey` names the key its tokens behave as. */
export function describeOAuthClient(id: string, c: OAuthClient, asKey?: string): string {
  const parts = [`grants ${c.grants.join(', ')}`, c.secret !== undefined ? `secret ${mask(c.secret)}` : 'any secret'];
  if (c.refresh_token !== undefined)
    parts.push(`refresh token ${mask(c.refresh_token)} (${c.rotate ? 'single-use, rotated' : 'reusable'})`);
  parts.push(`tokens expire after ${formatDurationSetting(c.expires_in)}`);
  // Its tokens behave as the scenario's key named like the client, when there is one (fronts/oauth2/service.ts).
  if (asKey !== undefined) parts.push(`tokens behave as key ${asKey}`);
  parts.push(c.max_requests !== undefined ? `max_requests ${c.max_requests}` : 'no max_requests');
  if (c.script.length > 0) parts.push(`script ${c.script.join(', ')}`);
  if (c.latency) parts.push(`latency ${formatDurationSetting(c.latency)}`);
  return `${id}: ${parts.join('; ')}`;
}

export interface ScenarioDescription {
  models: string[];
  keys: string[];
  /** One line per OAuth2 client of the token endpoint; empty when the scenario has none. */
  oauthClients: string[];
  /** `us-east-1: every call 503`, one per region down or throttled. */
  regions: string[];
  /** Whether a key signs AWS calls (`aws_secret`): the banner then names the STS endpoint. */
  aws: boolean;
}

export function describeScenario(s: Scenario): ScenarioDescription {
  const name = keyNamer(Object.keys(s.keys));
  return {
    models: Object.entries(s.models).map(([id, m]) => describeModel(id, m)),
    keys: Object.entries(s.keys).map(([k, b]) => describeKey(k, b, k === '*' ? undefined : name(k))),
    oauthClients: Object.entries(s.oauth2.clients).map(([id, c]) =>
      describeOAuthClient(id, c, s.keys[id] !== undefined ? name(id) : undefined),
    ),
    regions: Object.entries(s.regions).map(([region, step]) => `${region}: every call ${step}`),
    aws: Object.values(s.keys).some((k) => k.aws_secret !== undefined),
  };
}
