// `auth explain P` as data: every candidate in order with its state, and which one the next request will use and
// why. The gateway's /admin/credentials and `doctor` show the same object.
import type { Strategy } from '../config/schema.ts';
import { formatClock } from '../errors/explain-format.ts';
import { describeNoKey, type Untrusted } from '../errors/messages.ts';
import { CLI_COMMANDS, type Commands } from '../errors/advice.ts';
import { renderLine } from '../errors/explanation.ts';
import { describeCredential } from './describe.ts';
import { describeWithheld, rebindHint, type WithheldKey } from './host-binding.ts';
import { STRATEGY_TEXT } from './select.ts';
import type { CandidateStatus, Credential, CredentialSource } from './types.ts';

/** One candidate as the pool sees it. */
export interface Evaluated {
  credential: Credential;
  status: CandidateStatus;
  /** Picking it would be a single probe (see Usability.probe). */
  probe: boolean;
  order: number;
  until?: number;
  /** See Usability.back. */
  back?: number;
  /** Where its deciding state is kept, when not its own record: its region's (scoped-health.ts). */
  healthKey?: string;
}

export interface ExplainedCandidate extends CandidateStatus {
  /** 1-based position in use order. */
  position: number;
  /** This is the credential the next request will use. */
  next: boolean;
}

export interface ProviderExplanation {
  provider: string;
  strategy: Strategy;
  candidates: ExplainedCandidate[];
  next?: { fingerprint: string; masked: string; sources: CredentialSource[]; probe: boolean };
  /** One or two sentences: which credential the next request uses and why, or why none can be used. */
  summary: string;
  lookedIn: string[];
  warnings: string[];
  /** Stored keys not sent to the host the config names for the provider (src/credentials/host-binding.ts). */
  withheld: readonly WithheldKey[];
  /** When no credential is usable: the earliest moment one comes back by itself. */
  earliestUntil?: number;
}

export interface ExplainInput {
  provider: string;
  strategy: Strategy;
  all: Evaluated[];
  chosen: Evaluated | undefined;
  withheld: readonly WithheldKey[];
  lookedIn: string[];
  /** What an untrusted ./switchyard.yaml kept from the provider's keys (missingFacts), for the advice. */
  untrusted?: Untrusted;
  warnings: string[];
  now: number;
  /** Whose commands the summary names: the CLI's by default, a library caller's for a configFromObject config. */
  commands?: Commands;
}

export function buildExplanation(input: ExplainInput): ProviderExplanation {
  const { provider, strategy, all, chosen } = input;
  const candidates = all.map((e) => ({ ...e.status, position: e.order + 1, next: e === chosen }));
  const explanation: ProviderExplanation = {
    provider,
    strategy,
    candidates,
    summary: '',
    lookedIn: input.lookedIn,
    warnings: input.warnings,
    withheld: input.withheld,
  };
  if (all.length === 0 && input.withheld.length > 0) {
    explanation.summary = onlyWithheldSummary(provider, input.withheld, input.commands ?? CLI_COMMANDS);
    return explanation;
  }
  if (all.length === 0) {
    explanation.summary = renderLine(describeNoKey(provider, input.lookedIn, input.untrusted), input.commands);
    return explanation;
  }
  if (!chosen) return withUnusableSummary(explanation, all, input.now, input.commands ?? CLI_COMMANDS);
  const c = chosen.credential;
  explanation.next = { fingerprint: c.fingerprint, masked: c.masked, sources: c.sources, probe: chosen.probe };
  explanation.summary = `the next request uses ${describeCredential(c)} (${c.fingerprint}): ${reasonFor(chosen, all, strategy)}`;
  return explanation;
}

/** Every key of the provider is a stored one added for another host: say that, not "looked in …". */
function onlyWithheldSummary(provider: string, withheld: readonly WithheldKey[], commands: Commands): string {
  const target = withheld[0]!.target.origin;
  const each = withheld.map((w) => `${describeWithheld(w)} is held back: ${w.why}; ${rebindHint(w)}`).join('; ');
  return `no API key of provider ${provider} may be sent to ${target}: ${each}; or store a key for ${target} with ${commands.addKey(provider)}`;
}

function reasonFor(chosen: Evaluated, all: Evaluated[], strategy: Strategy): string {
  const parts: string[] = [];
  if (chosen.probe && chosen.status.usable && chosen.status.health.state === 'cooling') {
    parts.push(
      'its cooldown is over, and it takes one probe request before the others (if it succeeds, it is back for good)',
    );
  } else if (chosen.probe && chosen.status.health.state === 'cooling') {
    parts.push(
      'it rests as auth suspect, but no other key is usable and its single probe is due (if it succeeds, it is back for good)',
    );
  } else if (chosen.probe) {
    parts.push('it was rejected before, and its single probe is due (if it succeeds, it is back for good)');
  }
  const skipped = all.filter((e) => e.order < chosen.order && !e.status.usable);
  if (skipped.length > 0)
    parts.push(
      `skipping ${skipped.map((e) => `${describeCredential(e.credential)} (${e.status.why ?? 'unusable'})`).join('; ')}`,
    );
  if (chosen.order === 0 && !chosen.probe) parts.push('it is first in order and usable');
  if (strategy !== 'fill_first') parts.push(STRATEGY_TEXT[strategy]);
  return parts.join('; ');
}

function withUnusableSummary(
  explanation: ProviderExplanation,
  all: Evaluated[],
  now: number,
  commands: Commands,
): ProviderExplanation {
  const returning = all.filter((e) => e.back !== undefined);
  const head = `every credential of ${explanation.provider} is unusable`;
  if (returning.length > 0) {
    const first = returning.reduce((a, b) => (b.back! < a.back! ? b : a));
    explanation.earliestUntil = first.back!;
    // Which key, and why then: the time is the one its row shows (a suspect key's probe, or its cooldown's end).
    const why =
      first.until !== undefined && first.back! < first.until ? 'its single probe as auth suspect' : 'its cooldown ends';
    explanation.summary = `${head}; the first comes back at ${formatClock(first.back!, { now, seconds: true })} (${describeCredential(first.credential)}: ${why}; or run ${commands.reset(explanation.provider)})`;
  } else {
    // A replaced key is a new fingerprint with clean health: only a key that stays needs `auth reset`.
    explanation.summary = `${head}; replace the rejected keys (a new key starts clean: no reset needed), or, if the provider accepts them again, run ${commands.reset(explanation.provider)}`;
  }
  return explanation;
}
