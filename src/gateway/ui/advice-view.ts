// A failed call's explanation as the dashboard shows it: what happened, then each advice as a line of its own, with
// the dashboard's own button where it can do the thing itself (a key's reset) and the CLI command where it cannot.
// One renderer per advice kind, so a new kind is named here by the type checker.
import type { Advice } from '../../errors/advice.ts';
import { adviceClause, CLI_COMMANDS } from '../../errors/advice.ts';
import { whatHappenedAfter, type Explanation } from '../../errors/explanation.ts';
import type { RouteFailure } from '../../routing/errors.ts';
import { scrubSecrets } from '../../log.ts';

/** Something the dashboard itself can do for an advice: `reset` is the Keys view's reset of a provider's keys. */
export interface AdviceAction {
  action: 'reset';
  provider: string;
}

export interface AdviceView {
  kind: Advice['kind'];
  /** The advice in words, as the CLI says it (the operator's own commands). */
  text: string;
  /** The dashboard's button for it, when there is one. */
  act?: AdviceAction;
}

export interface ExplanationView {
  headline: string;
  detail?: string;
  advice: AdviceView[];
}

type Act<K extends Advice['kind']> = (a: Extract<Advice, { kind: K }>) => AdviceAction | undefined;

const none = (): undefined => undefined;

/** What the dashboard can do about each kind of advice itself: only a key's reset (actions.ts resetKeys). */
const ACTIONS: { [K in Advice['kind']]: Act<K> } = {
  reset_key: (a) => ({ action: 'reset', provider: a.provider }),
  add_key: none,
  replace_key: none,
  wait: none,
  retry_later: none,
  check_setting: none,
  raise_setting: none,
  add_fallback: none,
  fix_request: none,
  trust_config: none,
  key_kept: none,
  other_model: none,
  list_models: none,
  change_network: none,
  hiccup: none,
  no_proxy: none,
  report_bug: none,
};

export function adviceView(a: Advice, time: Explanation['time'] = {}): AdviceView {
  const view: AdviceView = { kind: a.kind, text: scrubSecrets(adviceClause(a, CLI_COMMANDS, time)) };
  const act = (ACTIONS[a.kind] as (a: Advice) => AdviceAction | undefined)(a);
  if (act !== undefined) view.act = act;
  return view;
}

export function explanationView(e: Explanation): ExplanationView {
  // Scrubbed like every message the gateway writes: a headline quotes the provider's own words.
  const view: ExplanationView = {
    headline: scrubSecrets(e.headline),
    advice: e.advice.map((a) => adviceView(a, e.time)),
  };
  if (e.detail !== undefined) view.detail = scrubSecrets(e.detail);
  return view;
}

/** What happened on one route of a failed call, a line of its own: the route, its failure's kind and what happened
 * there (the advice is said once, after the lines, for the lead failure). */
export interface RouteLineView {
  route: string;
  kind: string;
  text: string;
}

export function routeLineView(f: RouteFailure): RouteLineView {
  const e = f.explained;
  if (e === undefined) return { route: f.route, kind: f.kind, text: scrubSecrets(f.explanation) };
  // The line names its route already: "down/m failed with …" reads "failed with …" after it.
  const headline = whatHappenedAfter(e, f.route) ?? e.headline;
  const text = `${headline}${e.detail !== undefined ? ` — ${e.detail}` : ''}${e.postscript ?? ''}`;
  return { route: f.route, kind: f.kind, text: scrubSecrets(text) };
}
