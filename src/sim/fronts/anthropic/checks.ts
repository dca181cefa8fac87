// The Messages request rules the real API enforces with a 400, worded as it words them, so a translation bug it would
// refuse is refused here too. The rules and their sources: docs/simulator.md#request-checks.
import { blocksOf, isObject, type Json } from '../../json.ts';
import { toolPairingProblem } from './tool-pairing.ts';
import { offThinkingProblem, signatureProblem } from '../../thinking.ts';

/** The first rule the body breaks, as Anthropic's error message; undefined when the real API would accept it. */
export function anthropicProblem(body: Json): string | undefined {
  const messages = (body['messages'] as unknown[]).map((m) => (isObject(m) ? m : {}));
  // Schema errors first (the API validates the body's shape before its meaning), then the conversation rules.
  return (
    roleProblem(messages) ??
    temperatureProblem(body['temperature']) ??
    stopSequencesProblem(body['stop_sequences']) ??
    toolsProblem(body['tools']) ??
    toolUseIdProblem(messages) ??
    firstTurnProblem(messages) ??
    emptyContentProblem(messages) ??
    textBlockProblem(
      'messages',
      messages.flatMap((m, i) =>
        isFinalAssistant(messages, i) && typeof m['content'] === 'string' ? [] : blocksOf(m['content']),
      ),
    ) ??
    systemProblem(body['system']) ??
    systemMessagesProblem(messages, modelOf(body)) ??
    samplingProblem(body) ??
    signatureProblem(messages) ??
    thinkingProblem(body, messages) ??
    outputFormatProblem(body) ??
    toolPairingProblem(messages) ??
    finalTurnProblem(messages)
  );
}

const isFinalAssistant = (messages: Json[], i: number): boolean =>
  i === messages.length - 1 && messages[i]?.['role'] === 'assistant';

function roleProblem(messages: Json[]): string | undefined {
  const i = messages.findIndex((m) => m['role'] !== 'user' && m['role'] !== 'assistant' && m['role'] !== 'system');
  return i < 0 ? undefined : `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
}

const modelOf = (body: Json): string => (typeof body['model'] === 'string' ? body['model'] : '');

// Written out rather than imported from anthropic-features.ts, so a mistake there shows up as a refusal in tests.
// Ids that name no Claude model (`sim-large`, …) take everything.
const CLAUDE = /^claude-[a-z]+-\d/;
const MID_SYSTEM = /^claude-(opus-4-[89]|[a-z]+-([5-9]|\d{2,}))(?!\d)/;
const ADAPTIVE = /^claude-((opus|sonnet)-4-[6-9]|opus-4-\d{2,}|[a-z]+-([5-9]|\d{2,}))(?!\d)/;
const EFFORT = /^claude-(opus-4-[5-9]|sonnet-4-[6-9]|[a-z]+-([5-9]|\d{2,}))(?!\d)/;
const STRUCTURED = /^claude-((opus|sonnet|haiku)-4-[5-9]|[a-z]+-([5-9]|\d{2,}))(?!\d)/;
const lacks = (model: string, feature: RegExp): boolean => CLAUDE.test(model) && !feature.test(model);

/** Structured outputs (`output_config.format`): models that have them, and the schema rules they hold it to
 * (every object closed; no numeric or length bounds). */
function outputFormatProblem(body: Json): string | undefined {
  const output = isObject(body['output_config']) ? body['output_config'] : undefined;
  const format = output?.['format'];
  if (format == null) return undefined;
  if (!isObject(format) || format['type'] !== 'json_schema' || !isObject(format['schema']))
    return 'output_config.format: Input tag does not match the expected tag json_schema, or schema is missing';
  if (lacks(modelOf(body), STRUCTURED))
    return `output_config.format: structured outputs are not supported on model ${modelOf(body)}`;
  return schemaProblem(format['schema'], 'output_config.format.schema');
}

const BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength'];

function schemaProblem(schema: Json, at: string): string | undefined {
  const closed = schema['additionalProperties'] === false;
  if ((schema['type'] === 'object' || isObject(schema['properties'])) && !closed)
    return `${at}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
  const bound = BOUNDS.find((k) => k in schema);
  if (bound !== undefined) return `${at}: property '${bound}' is not supported`;
  const subs: [string, unknown][] = [
    ...Object.entries(isObject(schema['properties']) ? schema['properties'] : {}).map(([k, v]): [string, unknown] => [
      `${at}.properties.${k}`,
      v,
    ]),
    ...Object.entries(isObject(schema['$defs']) ? schema['$defs'] : {}).map(([k, v]): [string, unknown] => [
      `${at}.$defs.${k}`,
      v,
    ]),
    [`${at}.items`, schema['items']],
    ...(Array.isArray(schema['anyOf']) ? schema['anyOf'] : []).map((v, i): [string, unknown] => [
      `${at}.anyOf.${i}`,
      v,
    ]),
  ];
  for (const [path, sub] of subs) {
    const problem = isObject(sub) ? schemaProblem(sub, path) : undefined;
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function systemMessagesProblem(messages: Json[], model: string): string | undefined {
  for (const [i, m] of messages.entries()) {
    if (m['role'] !== 'system') continue;
    if (lacks(model, MID_SYSTEM))
      return `messages.${i}.role: role 'system' is not supported on this model; use the top-level \`system\` field`;
    if (i === 0) return `messages.0: a system message cannot be the first message; use the top-level \`system\` field`;
    if (messages[i - 1]?.['role'] !== 'user')
      return `messages.${i}: a system message must immediately follow a user message`;
    const next = messages[i + 1];
    if (next?.['role'] === 'system') return `messages.${i + 1}: a system message cannot follow another system message`;
    if (next !== undefined && next['role'] !== 'assistant')
      return `messages.${i}: a system message must be the last message or be followed by an assistant message`;
    const j = blocksOf(m['content']).findIndex((b) => !isObject(b) || b['type'] !== 'text');
    if (j >= 0) return `messages.${i}.content.${j}: system messages may hold text blocks only`;
  }
  return undefined;
}

/** The request's thinking, and what goes with it. */
function thinkingProblem(body: Json, messages: Json[]): string | undefined {
  const model = modelOf(body);
  const thinking = isObject(body['thinking']) ? body['thinking'] : undefined;
  const output = isObject(body['output_config']) ? body['output_config'] : undefined;
  if (output?.['effort'] != null && lacks(model, EFFORT))
    return 'output_config.effort: effort is not supported on this model';
  if (thinking?.['type'] === 'adaptive' && lacks(model, ADAPTIVE))
    return 'thinking.type: adaptive thinking is not supported on this model';
  const on = thinking !== undefined && thinking['type'] !== 'disabled';
  const edits =
    isObject(body['context_management']) && Array.isArray(body['context_management']['edits'])
      ? body['context_management']['edits']
      : [];
  if (
    !on &&
    edits.some((e) => isObject(e) && typeof e['type'] === 'string' && e['type'].startsWith('clear_thinking'))
  ) {
    return 'context_management.edits: the clear_thinking strategy requires thinking to be enabled';
  }
  return on ? thinkingBlockProblem(messages) : offThinkingProblem(messages);
}

/** With thinking on, tool results answer an assistant turn that must open with its thinking block. */
function thinkingBlockProblem(messages: Json[]): string | undefined {
  const turns = messages.filter((m) => m['role'] !== 'system');
  const last = turns.at(-1);
  if (last?.['role'] !== 'user' || !blocksOf(last['content']).some((b) => isObject(b) && b['type'] === 'tool_result'))
    return undefined;
  const i = messages.lastIndexOf(turns.at(-2) ?? {});
  const first = blocksOf(messages[i]?.['content']).at(0);
  const type = isObject(first) ? first['type'] : undefined;
  if (i < 0 || type === 'thinking' || type === 'redacted_thinking') return undefined;
  return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
}

function temperatureProblem(t: unknown): string | undefined {
  if (typeof t !== 'number') return undefined;
  if (t > 1) return 'temperature: Input should be less than or equal to 1';
  if (t < 0) return 'temperature: Input should be greater than or equal to 0';
  return undefined;
}

function stopSequencesProblem(stops: unknown): string | undefined {
  if (!Array.isArray(stops)) return undefined;
  if (stops.some((s) => s === '')) return 'stop_sequences: each stop sequence must be non-empty';
  if (stops.some((s) => typeof s === 'string' && s.trim() === ''))
    return 'stop_sequences: each stop sequence must contain non-whitespace';
  return undefined;
}

// The model families that refuse sampling settings, written out here rather than imported from the gateway's own
// table, so a mistake there shows up as a refusal in tests instead of being agreed with.
const ONE_SAMPLER = /^claude-(opus-4-[1-6]|sonnet-4-[5-9]|haiku-4-[5-9])(?!\d)/;
const NO_TEMPERATURE = /^claude-(opus-4-[7-9]|[a-z]+-([5-9]|\d{2,}))(?!\d)/;

function samplingProblem(body: Json): string | undefined {
  const model = typeof body['model'] === 'string' ? body['model'] : '';
  if (NO_TEMPERATURE.test(model) && body['temperature'] !== undefined)
    return '`temperature` is deprecated for this model.';
  if (ONE_SAMPLER.test(model) && body['temperature'] !== undefined && body['top_p'] !== undefined) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  }
  return undefined;
}

/** Custom tools (no `type`, or `custom`) need an object schema; server tools (`web_search_…`, …) have none. */
function toolsProblem(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool) || (tool['type'] !== undefined && tool['type'] !== 'custom')) continue;
    const at = `tools.${i}.custom.input_schema`;
    const schema = tool['input_schema'];
    if (schema === undefined) return `${at}: Field required`;
    if (!isObject(schema)) return `${at}: Input should be a valid dictionary`;
    if (schema['type'] === undefined) return `${at}.type: Field required`;
    if (schema['type'] !== 'object') return `${at}.type: Input should be 'object'`;
  }
  return undefined;
}

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

function toolUseIdProblem(messages: Json[]): string | undefined {
  for (const [i, m] of messages.entries()) {
    for (const [j, block] of blocksOf(m['content']).entries()) {
      if (!isObject(block) || block['type'] !== 'tool_use') continue;
      const at = `messages.${i}.content.${j}.tool_use.id`;
      const id = block['id'];
      if (id === undefined) return `${at}: Field required`;
      if (typeof id !== 'string') return `${at}: Input should be a valid string`;
      if (!TOOL_USE_ID.test(id)) return `${at}: String should match pattern '^[a-zA-Z0-9_-]+$'`;
    }
  }
  return undefined;
}

function firstTurnProblem(messages: Json[]): string | undefined {
  return messages[0]?.['role'] === 'user' ? undefined : 'messages: first message must use the "user" role';
}

/** `""` and `[]` are refused, except as the final assistant turn (an empty prefill). */
function emptyContentProblem(messages: Json[]): string | undefined {
  const i = messages.findIndex(
    (m, i) =>
      !isFinalAssistant(messages, i) &&
      (m['content'] === '' || (Array.isArray(m['content']) && m['content'].length === 0)),
  );
  return i < 0
    ? undefined
    : `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
}

function textBlockProblem(where: string, blocks: unknown[]): string | undefined {
  for (const block of blocks) {
    if (!isObject(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') continue;
    if (block['text'] === '') return `${where}: text content blocks must be non-empty`;
    if (block['text'].trim() === '') return `${where}: text content blocks must contain non-whitespace text`;
  }
  return undefined;
}

/** An empty `system: ""` is accepted (as no system prompt); blank text blocks are not. */
function systemProblem(system: unknown): string | undefined {
  if (system === '' || system === undefined) return undefined;
  return textBlockProblem('system', blocksOf(system));
}

function finalTurnProblem(messages: Json[]): string | undefined {
  const last = messages.at(-1);
  if (last?.['role'] !== 'assistant') return undefined;
  const block = blocksOf(last['content']).at(-1);
  const text = isObject(block) && block['type'] === 'text' && typeof block['text'] === 'string' ? block['text'] : '';
  return /\s$/.test(text) ? 'messages: final assistant content cannot end with trailing whitespace' : undefined;
}
