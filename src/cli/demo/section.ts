// One section of the walk-through: a seed report replayed against the simulator. Each section says what goes
// wrong upstream, shows the attempt trail as a table, and checks the outcome it promises.
import type { ChatMessage } from '../../providers/types.ts';
import { SwitchyardError } from '../../routing/errors.ts';
import type { Attempt, ChatSuccess, Disabled } from '../../calls/types.ts';
import { explainError } from '../../sessions/error-text.ts';
import type { Printer } from './printer.ts';
import { trailTable } from './tables.ts';
import type { DemoWorld } from './world.ts';

export interface Section {
  /** `000`, … or `chat`. */
  id: string;
  title: string;
  /** What goes wrong upstream, in a sentence or two. */
  upstream: string;
  /** The piece of configuration that matters here. */
  config: string;
  run(world: DemoWorld, p: Printer): Promise<void>;
}

export type TaskCall =
  | { ok: true; result: ChatSuccess; trail: Attempt[] }
  | { ok: false; disabled?: Disabled; explanation: string; trail: Attempt[] };

/** One call of a task through the library, never throwing: the demo shows failures, it does not die of them. */
export async function callTask(
  world: DemoWorld,
  task: string,
  input: string | ChatMessage[],
  maxTokens?: number,
): Promise<TaskCall> {
  const messages: ChatMessage[] = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
  try {
    const result = await world.router.chat({
      task,
      messages,
      ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
    });
    if (result.status === 'disabled')
      return { ok: false, disabled: result, explanation: `disabled: ${result.reason}`, trail: [] };
    return { ok: true, result, trail: result.trail };
  } catch (err) {
    return { ok: false, explanation: explainError(err), trail: SwitchyardError.isInstance(err) ? err.trail : [] };
  }
}

/** Prints a call: its trail, then the answer or the explained error. */
export function showCall(p: Printer, call: TaskCall): void {
  p.block(trailTable(call.trail));
  if (call.ok)
    p.line(`  answer via ${call.result.route}: ${p.style(JSON.stringify(call.result.response.content), 'dim')}`);
  else p.line(`  error: ${call.explanation}`);
}

export function outcomesOf(trail: readonly Attempt[]): string[] {
  return trail.map((a) => a.outcome);
}
