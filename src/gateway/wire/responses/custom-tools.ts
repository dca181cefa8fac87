// The Responses API's custom tools (`type: "custom"`): the model answers them with free-form text instead of JSON
// arguments (Codex's apply_patch is one). Other providers only know JSON-argument tools, so a custom tool travels
// as a function with one string parameter, `input`, and comes back as a `custom_tool_call` with that string.
import type { ToolDefinition } from '../../../providers/types.ts';
import { type Obj, isObj } from '../../../providers/translate/obj.ts';

const INPUT_SCHEMA = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The whole free-form input of the call, as plain text.' } },
  required: ['input'],
} as const;

/** A custom tool → the function the canonical request offers; a grammar it declares is quoted in the description,
 * since only OpenAI can enforce one. */
export function customToolDefinition(t: Obj & { name: string }): ToolDefinition {
  const lines = typeof t['description'] === 'string' && t['description'] !== '' ? [t['description']] : [];
  const format = t['format'];
  if (isObj(format) && format['type'] === 'grammar' && typeof format['definition'] === 'string') {
    lines.push(
      `The input must follow this ${typeof format['syntax'] === 'string' ? format['syntax'] : ''} grammar:\n${format['definition']}`,
    );
  }
  return {
    name: t.name,
    ...(lines.length > 0 ? { description: lines.join('\n\n') } : {}),
    parameters: structuredClone(INPUT_SCHEMA) as Record<string, unknown>,
  };
}

/** A custom call's free-form input as the JSON arguments of the function it travels as. */
export const customCallArguments = (input: string): string => JSON.stringify({ input });

/** The free-form input from a call's JSON arguments; arguments that are not `{"input": "…"}` are passed as they are. */
export function customInputOf(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (isObj(parsed) && typeof parsed['input'] === 'string') return parsed['input'];
  } catch {
    // not JSON: the model wrote the input itself
  }
  return args;
}
