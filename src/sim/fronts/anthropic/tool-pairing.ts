// How Anthropic ties tool calls to their results, and its 400s when they do not line up
// (docs/simulator.md#request-checks). Consecutive messages of one role are one turn, as the API combines them.
import { blocksOf, isObject, type Json } from '../../json.ts';

interface Located {
  message: number;
  block: number;
  value: Json;
}

interface Turn {
  role: unknown;
  blocks: Located[];
}

export function toolPairingProblem(messages: Json[]): string | undefined {
  return duplicateIdProblem(messages) ?? turnsProblem(turnsOf(messages));
}

function turnsOf(messages: Json[]): Turn[] {
  const turns: Turn[] = [];
  for (const [i, m] of messages.entries()) {
    // A mid-conversation system message holds text only and sits between turns (checks.ts places it).
    if (m['role'] === 'system') continue;
    const blocks = blocksOf(m['content']).flatMap((b, j) => (isObject(b) ? [{ message: i, block: j, value: b }] : []));
    const last = turns.at(-1);
    if (last && last.role === m['role']) last.blocks.push(...blocks);
    else turns.push({ role: m['role'], blocks });
  }
  return turns;
}

const ofType = (turn: Turn | undefined, type: string): Located[] =>
  turn ? turn.blocks.filter((b) => b.value['type'] === type) : [];

function duplicateIdProblem(messages: Json[]): string | undefined {
  const seen = new Set<unknown>();
  for (const use of turnsOf(messages).flatMap((t) => ofType(t, 'tool_use'))) {
    if (seen.has(use.value['id']))
      return `messages.${use.message}.content.${use.block}: \`tool_use\` ids must be unique`;
    seen.add(use.value['id']);
  }
  return undefined;
}

function turnsProblem(turns: Turn[]): string | undefined {
  for (const [t, turn] of turns.entries()) {
    const problem =
      turn.role === 'assistant' ? unansweredProblem(turn, turns[t + 1]) : unexpectedResultProblem(turn, turns[t - 1]);
    if (problem) return problem;
  }
  return undefined;
}

/** Every call must be answered in the next turn; a call in the final turn has no next turn to answer it yet. */
function unansweredProblem(turn: Turn, next: Turn | undefined): string | undefined {
  if (!next) return undefined;
  const answered = new Set(ofType(next, 'tool_result').map((r) => r.value['tool_use_id']));
  const missing = ofType(turn, 'tool_use').filter((u) => !answered.has(u.value['id']));
  if (missing.length === 0) return undefined;
  const ids = missing.map((u) => String(u.value['id'])).join(', ');
  return `messages.${missing[0]!.message}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${ids}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
}

function unexpectedResultProblem(turn: Turn, previous: Turn | undefined): string | undefined {
  const calls = new Set(
    ofType(previous?.role === 'assistant' ? previous : undefined, 'tool_use').map((u) => u.value['id']),
  );
  for (const result of ofType(turn, 'tool_result')) {
    const id = result.value['tool_use_id'];
    const at = `messages.${result.message}.content.${result.block}`;
    if (typeof id !== 'string') return `${at}.tool_result.tool_use_id: Field required`;
    if (!calls.has(id)) {
      return `${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
  }
  return undefined;
}
