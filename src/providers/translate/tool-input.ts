// A tool call's arguments as Anthropic's `tool_use.input` object: the Anthropic SDK throws away the whole answer
// if streamed input is not JSON, so non-object text is a malformed answer unless the call was cut short.
import type { FinishReason } from '../types.ts';
import { isObj, type Obj } from './obj.ts';
import { MalformedAnswer } from './answer-check.ts';

/** The answer stopped before it was done: its last tool call may be cut short. */
export const isCut = (finish: FinishReason): boolean => finish === 'length' || finish === 'content_filter';

/** The arguments as an object, or undefined when they are not a JSON object. Empty text is `{}` (no arguments). */
export function argumentsObject(args: string): Obj | undefined {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** How far back from the end a cut is looked for: a cut text fails in its last few tokens, and this keeps a long
 * garbage text from costing a parse per character. */
const MAX_CUTS = 256;

/** The object the complete part of cut-short JSON holds, read as lenient partial-JSON parsers do
 * (`{"a":1,"b":` → `{"a":1}`); `{}` when none. */
export function partialArgumentsObject(args: string): Obj {
  const whole = argumentsObject(args);
  if (whole !== undefined) return whole;
  const start = args.indexOf('{');
  if (start === -1) return {};
  const text = args.slice(start);
  for (let end = text.length, tries = 0; end > 0 && tries < MAX_CUTS; end--, tries++) {
    const closed = closeJson(text.slice(0, end));
    if (closed === undefined) continue;
    try {
      const v: unknown = JSON.parse(closed);
      if (isObj(v)) return v;
    } catch {
      // Not a readable cut: try one character shorter.
    }
  }
  return {};
}

/** The prefix with its open string and brackets closed; undefined when it ends inside an escape. */
function closeJson(prefix: string): string | undefined {
  const open: string[] = [];
  let inString = false;
  let escaped = false;
  for (const ch of prefix) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') open.push('}');
    else if (ch === '[') open.push(']');
    else if (ch === '}' || ch === ']') open.pop();
  }
  if (escaped) return undefined;
  let text = inString ? `${prefix}"` : prefix;
  // A dangling comma would make the closed text invalid; a dangling key or colon fails the parse and is cut away.
  text = text.replace(/,\s*$/, '');
  return text + open.reverse().join('');
}

/** A finished answer's tool call → its `tool_use.input`. Throws MalformedAnswer when a finished call's arguments are
 * not a JSON object. */
export function toolUseInput(call: { id: string; name: string; arguments: string }, finish: FinishReason): Obj {
  if (isCut(finish)) return partialArgumentsObject(call.arguments);
  const input = argumentsObject(call.arguments);
  if (input !== undefined) return input;
  throw new MalformedAnswer(
    `tool call ${call.id} (${call.name}) has arguments that are not a JSON object: ${preview(call.arguments)}`,
  );
}

const preview = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
