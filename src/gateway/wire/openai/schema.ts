// The OpenAI chat-completions request as clients send it to the gateway, validated with zod. Unknown fields are
// accepted and ignored (SDKs send many), but the fields we translate must be well-formed.
import { z } from 'zod';
import { OPENAI_NAMED_SETTINGS } from '../../../providers/settings.ts';
import { byType } from '../wire-schema.ts';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject(
    { url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() },
    { error: 'expected an object {url, detail?}' },
  ),
});

/** Text and image parts are checked; other types are left to the translator, which refuses them by name. */
const contentPart = byType({ text: textPart, image_url: imagePart });

export const openaiContent = z.union([z.string(), z.array(contentPart), z.null()], {
  error: 'expected a string, an array of content parts, or null',
});

export const openaiToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

export const openaiMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: openaiContent.optional(),
  name: z.string().optional(),
  tool_calls: z.array(openaiToolCall).optional(),
  tool_call_id: z.string().optional(),
});

export const openaiTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

export const openaiToolChoice = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
  ],
  { error: 'expected "auto", "none", "required" or {type: "function", function: {name}}' },
);

export const openaiResponseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** Settings besides the messages that the gateway checks and carries (docs/shapes.md); the
 * fast path (fast.ts) leaves a body holding any of them to this schema. */
export const OPENAI_SETTINGS = [...OPENAI_NAMED_SETTINGS, 'n', 'logprobs'] as const;

export const openaiRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(openaiMessage).min(1),
  tools: z.array(openaiTool).optional(),
  tool_choice: openaiToolChoice.optional(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())], { error: 'expected a string or an array of strings' }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: openaiResponseFormat.nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  reasoning_effort: z.string().min(1).nullish(),
  logit_bias: z
    .record(z.string(), z.number().min(-100).max(100), {
      error: 'expected an object of token id → number from -100 to 100',
    })
    .nullish(),
  prompt_cache_key: z.string().nullish(),
  n: z.number().int().positive().nullish(),
  logprobs: z.boolean().nullish(),
});
export type OpenAIWireRequest = z.infer<typeof openaiRequest>;
export type OpenAIWireMessage = z.infer<typeof openaiMessage>;
export type OpenAIResponseFormat = z.infer<typeof openaiResponseFormat>;
export type OpenAIWireTool = z.infer<typeof openaiTool>;
