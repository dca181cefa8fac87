// The OpenAI Responses API request (`POST /v1/responses`) as clients send it to the gateway, validated with zod.
// The gateway is stateless: the conversation comes whole in `input`. Unknown fields are accepted and ignored; the
// fields we translate must be well-formed.
import { z } from 'zod';
import { byType } from '../wire-schema.ts';

const textPart = z.looseObject({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() });

/** Text parts are checked; images (whose checks name their field in request.ts) and other types are left to
 * the translator, which refuses what it cannot carry by name. */
const part = byType({ input_text: textPart, output_text: textPart, text: textPart });

const content = z.union([z.string(), z.array(part)], { error: 'expected a string or an array of content parts' });

export const responsesMessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'system', 'developer', 'assistant']),
  content,
});

export const responsesFunctionCall = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string({ error: 'expected a string of JSON text' }),
  /** The namespace tool the called function is in (namespace.ts). */
  namespace: z.string().min(1).nullish(),
});

export const responsesCustomToolCall = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
  namespace: z.string().min(1).nullish(),
});

const callOutput = <T extends string>(type: T) =>
  z.looseObject({ type: z.literal(type), call_id: z.string().min(1), output: content });

/** Messages (`type` may be left out), calls and their outputs are checked; other items (reasoning, item_reference,
 * …) are left to the translator. */
export const responsesItem = byType(
  {
    message: responsesMessageItem,
    function_call: responsesFunctionCall,
    function_call_output: callOutput('function_call_output'),
    custom_tool_call: responsesCustomToolCall,
    custom_tool_call_output: callOutput('custom_tool_call_output'),
  },
  'message',
);

export const responsesTool = z.looseObject({
  type: z.string(),
  name: z.string().min(1).optional(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

export const responsesTextFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);

export const responsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(responsesItem).min(1)], {
    error: 'expected a string or a non-empty array of input items',
  }),
  instructions: z.string().nullish(),
  tools: z.array(responsesTool).optional(),
  // A forced built-in tool ({type: "web_search"}, {type: "mcp", …}) is checked by the translator, which says why it
  // cannot be forced here.
  tool_choice: z
    .union(
      [
        z.enum(['auto', 'none', 'required']),
        z.looseObject({
          type: z.enum(['function', 'custom']),
          name: z.string().min(1),
          namespace: z.string().min(1).nullish(),
        }),
        z.looseObject({
          type: z
            .string()
            .min(1)
            .refine((t) => t !== 'function' && t !== 'custom'),
        }),
      ],
      {
        error: 'expected "auto", "none", "required" or {type: "function" | "custom", name}',
      },
    )
    .optional(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: responsesTextFormat.optional() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish() }).nullish(),
  user: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  // OpenAI's limits: up to 16 pairs, keys of up to 64 characters, string values of up to 512. Carried nowhere, only
  // echoed in the response object.
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
    .nullish(),
  // Stateful fields, refused by the translator with the codes clients act on (the gateway keeps no responses).
  previous_response_id: z.string().nullish(),
  conversation: z.unknown().optional(),
  background: z.boolean().nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
});
export type ResponsesWireRequest = z.infer<typeof responsesRequest>;
export type ResponsesWireItem = z.infer<typeof responsesItem>;
