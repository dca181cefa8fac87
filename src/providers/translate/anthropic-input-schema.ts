// A function tool's parameters as Anthropic's `input_schema`, which must be an object schema. OpenAI accepts a tool
// without parameters, with `{}`, or with a schema that leaves out `type`; forwarded as they are, Anthropic refuses
// the request and a fallback to it fails as a bad request.

type Schema = Record<string, unknown>;

/** The schema itself when it already says `type: "object"` (no copy); otherwise an object schema built on it, with
 * `properties: {}` when it has none. */
export function anthropicInputSchema(parameters: Schema | undefined): Schema {
  if (parameters?.['type'] === 'object') return parameters;
  const schema: Schema = { ...parameters, type: 'object' };
  if (schema['properties'] === undefined) schema['properties'] = {};
  return schema;
}
