// `response_format` in canonical form, built from either OpenAI API's spelling (chat completions nest the schema
// under `json_schema`, the Responses API's `text.format` has it flat), and what an Anthropic route asks instead.
import type { ResponseFormat } from '../types.ts';

export interface SchemaFields {
  name: string;
  description?: string | undefined;
  schema?: Record<string, unknown> | undefined;
  strict?: boolean | null | undefined;
}

/** A json_schema format with only the fields that are set. */
export function jsonSchemaFormat(f: SchemaFields): ResponseFormat {
  return {
    type: 'json_schema',
    json_schema: {
      name: f.name,
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.schema !== undefined ? { schema: f.schema } : {}),
      ...(f.strict != null ? { strict: f.strict } : {}),
    },
  };
}

/** Anthropic has no response_format: a JSON answer is asked for in the system prompt instead (an instruction the
 * model follows, not a guarantee; docs/shapes.md says so). */
export function jsonInstruction(format: ResponseFormat): string | undefined {
  if (format.type === 'text') return undefined;
  const plain = 'Answer with one JSON object and nothing else: no prose before or after it, no code fence.';
  if (format.type === 'json_object' || format.json_schema.schema === undefined) return plain;
  return `${plain} The object must match this JSON Schema:\n${JSON.stringify(format.json_schema.schema)}`;
}
