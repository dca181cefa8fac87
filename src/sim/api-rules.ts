// What the real APIs refuse in a body that is otherwise well-formed, worded as they word it: tool-call ids, tool
// results and tool schemas on the Anthropic API, tool settings without tools on the OpenAI API. A request the
// gateway translated for the other API shape then fails against the simulator as it would in production, where a
// 400 ends the call (no fallback, no retry).

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/** The blocks of a message whose content is an array (a string content has none). */
const blocksOf = (m: unknown): Json[] => (isObject(m) && Array.isArray(m['content']) ? m['content'].filter(isObject) : []);

/** tool_use ids: Anthropic's pattern, unique in the conversation; each tool_result answers a tool_use of the message
 * just before it. */
function toolUseProblem(messages: unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, m] of messages.entries()) {
    for (const [j, b] of blocksOf(m).entries()) {
      if (b['type'] === 'tool_use') {
        const id = typeof b['id'] === 'string' ? b['id'] : '';
        if (!TOOL_USE_ID.test(id)) return `messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
        if (seen.has(id)) return `messages.${i}.content.${j}: \`tool_use\` ids must be unique`;
        seen.add(id);
      } else if (b['type'] === 'tool_result') {
        const previous = new Set(blocksOf(messages[i - 1]).filter((p) => p['type'] === 'tool_use').map((p) => p['id']));
        if (!previous.has(b['tool_use_id'])) {
          return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
  }
  return undefined;
}

/** A custom tool's input_schema must be an object schema. */
function toolSchemaProblem(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  for (const [i, t] of tools.entries()) {
    if (!isObject(t) || (t['type'] !== undefined && t['type'] !== 'custom')) continue;
    const schema = t['input_schema'];
    if (!isObject(schema)) return `tools.${i}.custom.input_schema: Field required`;
    if (schema['type'] !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
  }
  return undefined;
}

/** Why the Anthropic API would refuse the body, if it would. */
export function anthropicRuleBroken(body: Json): string | undefined {
  if (typeof body['temperature'] === 'number' && body['temperature'] > 1) return 'temperature: Input should be less than or equal to 1';
  return toolSchemaProblem(body['tools']) ?? (Array.isArray(body['messages']) ? toolUseProblem(body['messages']) : undefined);
}

/** Why the OpenAI API would refuse the body, if it would: tool settings without tools. */
export function openAiRuleBroken(body: Json): string | undefined {
  const hasTools = Array.isArray(body['tools']) && body['tools'].length > 0;
  if (hasTools) return undefined;
  for (const field of ['tool_choice', 'parallel_tool_calls']) {
    if (body[field] !== undefined && body[field] !== null) return `Invalid value for '${field}': '${field}' is only allowed when 'tools' are specified.`;
  }
  return undefined;
}
