// A failed call's message as the gateway's client reads it: the router's explanation values rendered with the
// gateway's commands (GATEWAY_COMMANDS in errors/advice.ts: models listed by the gateway's own endpoint, keys added and
// reset where the gateway runs), laid out as the CLI's composition lays out every route's line.
import { composeExplanation, leadFailure, type RouteFailure } from '../../routing/errors.ts';
import { gatewayLine, type Explanation } from '../../errors/explanation.ts';

/** What of a SwitchyardError the message is made from. */
export interface ExplainedFailure {
  message: string;
  explanation?: string;
  task?: string;
  failures?: readonly RouteFailure[];
  /** The lead failure's value: set only where the explanation was composed from the routes' failures. */
  explained?: Explanation | undefined;
}

export function gatewayMessage(f: ExplainedFailure): string {
  const said = f.explanation || f.message;
  // Words only (a budget refusing the call before any route, a disabled task): said as they are.
  if (f.explained === undefined || f.task === undefined || f.failures === undefined) return said;
  const failures = f.failures.map((x) => (x.explained ? { ...x, explanation: gatewayLine(x.explained) } : x));
  const lead = leadFailure(failures);
  return lead === undefined ? said : composeExplanation(f.task, failures, lead);
}
