// A tool_choice that names a tool, checked against the request's tools where each API shape is parsed.
import type { ChatRequest } from '../../providers/types.ts';
import { WireRequestError } from '../../providers/translate/wire-error.ts';

/** A named tool_choice must name one of the request's tools: forwarded, the upstream refuses it (or a lenient one
 * answers with no tool at all), so the caller hears of it here, as a 400 naming `tool_choice`. */
export function checkToolChoice(request: ChatRequest): void {
  const choice = request.tool_choice;
  const names = (request.tools ?? []).map((t) => t.name);
  // "Use a tool" with none offered: OpenAI refuses it and Anthropic's `any` needs tools too.
  if (choice === 'required' && names.length === 0)
    throw new WireRequestError('tool_choice', 'asks for a tool call, but the request has no tools');
  if (choice === undefined || typeof choice === 'string') return;
  if (names.includes(choice.name)) return;
  const offered =
    names.length === 0
      ? 'the request has no tools'
      : `the request's tools are ${names.map((n) => `"${n}"`).join(', ')}`;
  throw new WireRequestError('tool_choice', `names the tool "${choice.name}", which is not in tools (${offered})`);
}
