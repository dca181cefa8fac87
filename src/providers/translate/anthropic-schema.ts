// The Anthropic Messages request as clients send it to the gateway, validated with zod. Unknown fields (thinking,
// service_tier, …) are accepted and ignored; the fields we translate must be well-formed.
import { z } from 'zod';

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlock = z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string().min(1), input: z.unknown() });
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).optional(),
  is_error: z.boolean().optional(),
});
const otherBlock = z.looseObject({ type: z.string() });

export const anthropicBlock = z.union([textBlock, toolUseBlock, toolResultBlock, otherBlock]);

export const anthropicMessage = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(anthropicBlock)], { error: 'expected a string or an array of content blocks' }),
});

export const anthropicTool = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
});

export const anthropicToolChoice = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
});

export const anthropicRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  system: z.union([z.string(), z.array(z.looseObject({ type: z.literal('text'), text: z.string() }))]).optional(),
  messages: z.array(anthropicMessage).min(1),
  tools: z.array(anthropicTool).optional(),
  tool_choice: anthropicToolChoice.optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  output_config: z.looseObject({
    effort: z.string().min(1).nullish(),
    format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullish(),
  }).optional(),
  stream: z.boolean().optional(),
});
export type AnthropicWireRequest = z.infer<typeof anthropicRequest>;
export type AnthropicWireMessage = z.infer<typeof anthropicMessage>;
export type AnthropicWireBlock = z.infer<typeof anthropicBlock>;
