// The chat-completions request rules OpenAI enforces with a 400, with its message, `param` and `code`, so a translation
// bug it would refuse is refused here too (docs/simulator.md#request-checks).
import { isObject, type Json } from '../../json.ts';

export interface OpenAiProblem {
  detail: string;
  param: string | null;
  code: string | null;
}

const problem = (detail: string, param: string | null, code: string | null = null): OpenAiProblem => ({
  detail,
  param,
  code,
});

/** The first rule the body breaks; undefined when the real API would accept it. */
export function openAiProblem(body: Json): OpenAiProblem | undefined {
  const messages = (body['messages'] as unknown[]).map((m) => (isObject(m) ? m : {}));
  return (
    temperatureProblem(body['temperature']) ??
    stopProblem(body['stop']) ??
    toolsProblem(body) ??
    toolCallIdProblem(messages) ??
    toolMessagesProblem(messages) ??
    jsonModeProblem(body, messages)
  );
}

function temperatureProblem(t: unknown): OpenAiProblem | undefined {
  if (typeof t !== 'number') return undefined;
  if (t > 2)
    return problem(
      `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got ${t} instead.`,
      'temperature',
      'decimal_above_max_value',
    );
  if (t < 0)
    return problem(
      `Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got ${t} instead.`,
      'temperature',
      'decimal_below_min_value',
    );
  return undefined;
}

/** OpenAI takes at most this many stop sequences. */
export const OPENAI_MAX_STOP = 4;

function stopProblem(stop: unknown): OpenAiProblem | undefined {
  if (!Array.isArray(stop) || stop.length <= OPENAI_MAX_STOP) return undefined;
  return problem(
    `Invalid 'stop': array too long. Expected an array with maximum length ${OPENAI_MAX_STOP}, but got an array with length ${stop.length} instead.`,
    'stop',
    'array_above_max_length',
  );
}

function toolsProblem(body: Json): OpenAiProblem | undefined {
  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length === 0) {
    return problem(
      "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'tools',
      'empty_array',
    );
  }
  const choice = body['tool_choice'];
  if (choice !== undefined && choice !== null && (tools === undefined || tools === null)) {
    return problem(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  }
  if (
    body['parallel_tool_calls'] !== undefined &&
    body['parallel_tool_calls'] !== null &&
    (tools === undefined || tools === null)
  ) {
    return problem(
      "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      'parallel_tool_calls',
    );
  }
  return undefined;
}

const callsOf = (m: Json | undefined): Json[] =>
  m?.['role'] === 'assistant' && Array.isArray(m['tool_calls']) ? m['tool_calls'].filter(isObject) : [];

/** Ids are required both ways: on an assistant message's calls, and on the tool messages answering them. */
function toolCallIdProblem(messages: Json[]): OpenAiProblem | undefined {
  for (const [i, m] of messages.entries()) {
    const j = callsOf(m).findIndex((c) => typeof c['id'] !== 'string');
    if (j >= 0)
      return problem(
        `Missing required parameter: 'messages[${i}].tool_calls[${j}].id'.`,
        `messages.[${i}].tool_calls.[${j}].id`,
        'missing_required_parameter',
      );
    if (m['role'] === 'tool' && typeof m['tool_call_id'] !== 'string') {
      return problem(
        `Missing required parameter: 'messages[${i}].tool_call_id'.`,
        `messages.[${i}].tool_call_id`,
        'missing_required_parameter',
      );
    }
  }
  return undefined;
}

/** Tool messages answer the assistant message just before them (other tool messages aside), each of its calls. */
function toolMessagesProblem(messages: Json[]): OpenAiProblem | undefined {
  let caller: { index: number; ids: string[]; answered: Set<string> } | undefined;
  for (const [i, m] of messages.entries()) {
    if (m['role'] === 'tool') {
      if (!caller)
        return problem(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      const id = m['tool_call_id'] as string;
      if (!caller.ids.includes(id))
        return problem(
          `Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message.`,
          `messages.[${i}].tool_call_id`,
        );
      caller.answered.add(id);
      continue;
    }
    const unanswered = caller ? unansweredProblem(caller) : undefined;
    if (unanswered) return unanswered;
    const ids = callsOf(m).map((c) => c['id'] as string);
    caller = ids.length > 0 ? { index: i, ids, answered: new Set() } : undefined;
  }
  // Calls in the final assistant message have no answers yet; once some are answered, all must be.
  return caller && caller.answered.size > 0 ? unansweredProblem(caller) : undefined;
}

function unansweredProblem(caller: { index: number; ids: string[]; answered: Set<string> }): OpenAiProblem | undefined {
  const missing = caller.ids.filter((id) => !caller.answered.has(id));
  if (missing.length === 0) return undefined;
  return problem(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(', ')}`,
    `messages.[${caller.index}].role`,
  );
}

function jsonModeProblem(body: Json, messages: Json[]): OpenAiProblem | undefined {
  const format = body['response_format'];
  if (!isObject(format) || format['type'] !== 'json_object') return undefined;
  if (messages.some((m) => /json/i.test(JSON.stringify(m['content'] ?? '')))) return undefined;
  return problem(
    "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    'messages',
  );
}
