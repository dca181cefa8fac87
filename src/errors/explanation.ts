// An explanation as a value: what happened (headline, then detail), what to do (advice values), and what the router
// did after (postscript). Each reader renders it: the CLI, library and gateway as one line here (each with its own
// commands, advice.ts), the dashboard in gateway/ui/advice-view.ts, spans in telemetry/advice-attributes.ts.
import type { Commands, Joint, Said } from './advice.ts';
import type { TimeFormat } from './explain-format.ts';
import { adviceText, CLI_COMMANDS, GATEWAY_COMMANDS, LIBRARY_COMMANDS } from './advice.ts';

export interface Explanation {
  /** What happened, in one clause: `mimo rate-limited key sk-…a1b2 (HTTP 429: …); it rests until 10:00:30`. */
  headline: string;
  /** More about what happened, after the headline (`each was tried and refused: …`). */
  detail?: string;
  advice: readonly Said[];
  /** What the router did afterwards, said after the advice with its own punctuation (`; then … ran out`). */
  postscript?: string;
  /** How times in the advice are said. */
  time?: TimeFormat;
  /** The route the headline opens with (`down/m failed with a server error …`), so a reader that names the route
   * itself says only the rest (whatHappenedAfter). */
  route?: string;
}

/** The explanation as one line in a reader's commands: headline — detail — advice (each after its joint). */
export function renderLine(e: Explanation, commands: Commands = CLI_COMMANDS): string {
  const detail = e.detail !== undefined ? ` — ${e.detail}` : '';
  const first: Joint = ' — ';
  return `${e.headline}${detail}${adviceText(e.advice, commands, e.time ?? {}, first)}${e.postscript ?? ''}`;
}

/** The line the CLI prints (and SwitchyardError.explanation holds). */
export function cliLine(e: Explanation): string {
  return renderLine(e, CLI_COMMANDS);
}

/** The line for a library caller whose config lives only in its process (configFromObject): library calls instead
 * of CLI commands. */
export function libraryLine(e: Explanation): string {
  return renderLine(e, LIBRARY_COMMANDS);
}

/** The line for a gateway's client, in an API error's message (gateway/answer/failure-map.ts): the gateway's commands. */
export function gatewayLine(e: Explanation): string {
  return renderLine(e, GATEWAY_COMMANDS);
}

/** What happened, without what to do or any detail: the headline. */
export function whatHappened(e: Explanation): string {
  return e.headline;
}

/** What happened, for a reader that has just named `route`: the headline after that route when it opens with it
 * (`failed with a server error …`), else undefined. */
export function whatHappenedAfter(e: Explanation, route: string): string | undefined {
  return e.route === route ? e.headline.slice(route.length + 1) : undefined;
}

/** The same explanation with more said after it. */
export function withPostscript(e: Explanation, text: string): Explanation {
  return { ...e, postscript: `${e.postscript ?? ''}${text}` };
}

/** A route failure's two forms of one explanation: the CLI line and the value. */
export function explained(e: Explanation): { explanation: string; explained: Explanation } {
  return { explanation: cliLine(e), explained: e };
}

/** A plain statement with no advice (a breaker open, a composed note). */
export function statement(headline: string): Explanation {
  return { headline, advice: [] };
}
