// The Anthropic Messages request as clients send it to the gateway, validated with zod. Unknown fields (service_tier,
// container, …) are accepted and ignored; the fields we translate or pass on must be well-formed.
import { z } from 'zod';
import { byType } from '../wire-schema.ts';

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
// The image's source is checked where it is translated (fromAnthropicImage in parts.ts), which names the bad field.
const imageBlock = z.looseObject({ type: z.literal('image'), source: z.unknown() });
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  // Left out, it reads as no arguments; anything but an object would reach the upstream as garbage.
  input: z.record(z.string(), z.unknown(), { error: "expected an object (the tool's arguments)" }).optional(),
});
const toolResultPart = z.discriminatedUnion('type', [textBlock, imageBlock], { error: toolResultPartError });
/** A tool result holds text and images only: an unknown block type is named, as it is in a message. */
function toolResultPartError(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const type = (issue.input as { type?: unknown } | undefined)?.type;
  return typeof type === 'string'
    ? `block "${type}" is not supported in a tool_result; text and image blocks are`
    : 'expected a text or image block';
}
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(toolResultPart)], { error: 'expected a string or an array of text and image blocks' })
    .optional(),
  is_error: z.boolean().optional(),
});

/** Text, image, tool_use and tool_result blocks are checked; others (thinking, …) are left to the translator. */
export const anthropicBlock = byType({
  text: textBlock,
  image: imageBlock,
  tool_use: toolUseBlock,
  tool_result: toolResultBlock,
});

/** `system` is a mid-conversation system message (Claude Code sends them); its blocks are checked by the translator,
 * which takes text only. `clear_at: "next_user_message"` hides it once a later user message exists. */
export const anthropicMessage = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(anthropicBlock)], { error: 'expected a string or an array of content blocks' }),
  clear_at: z.string().nullish(),
});

export const anthropicCustomTool = z.looseObject({
  type: z.literal('custom').optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
});
export type AnthropicCustomTool = z.infer<typeof anthropicCustomTool>;

/** A tool the caller defines (no `type`, or `custom`) is checked; a server tool (`web_search_20250305`, …), which has
 * no input_schema, is left to the translator, which refuses it by name rather than asking for an input_schema. */
export const anthropicTool = byType({ custom: anthropicCustomTool }, 'custom');

export const anthropicToolChoice = z.looseObject(
  {
    type: z.enum(['auto', 'any', 'tool', 'none']),
    name: z.string().optional(),
    disable_parallel_tool_use: z.boolean().optional(),
  },
  { error: 'expected an object {type: "auto" | "any" | "tool" | "none", name?}' },
);

export const anthropicRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  system: z
    .union([z.string(), z.array(textBlock)], { error: 'expected a string or an array of text blocks' })
    .optional(),
  messages: z.array(anthropicMessage).min(1),
  tools: z.array(anthropicTool).optional(),
  tool_choice: anthropicToolChoice.optional(),
  stop_sequences: z.array(z.string(), { error: 'expected an array of strings' }).optional(),
  /** Beta names in the body (the SDKs' beta namespace; Claude Code sends them): joined with `anthropic-beta`. */
  betas: z.array(z.string(), { error: 'expected an array of beta names (strings)' }).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  output_config: z
    .looseObject({
      effort: z.string().min(1).nullish(),
      format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullish(),
    })
    .optional(),
  // Passed on to Anthropic routes as sent (providers/anthropic/request.ts): only their shape is checked here.
  thinking: z.looseObject({ type: z.string() }, { error: 'expected an object such as {"type": "adaptive"}' }).nullish(),
  context_management: z
    .record(z.string(), z.unknown(), { error: 'expected an object such as {"edits": [...]}' })
    .nullish(),
  stream: z.boolean().optional(),
});
export type AnthropicWireRequest = z.infer<typeof anthropicRequest>;
export type AnthropicWireMessage = z.infer<typeof anthropicMessage>;
export type AnthropicWireBlock = z.infer<typeof anthropicBlock>;
