// A provider's model listing read as names: each API puts them in a list of its own under a field of its own
// (OpenAI `data[].id`, Gemini `models[].name`, Bedrock `modelSummaries[].modelId`), and anything else in it is
// passed over, since a listing only feeds a probe's warning and never fails a call.

/** The string `field` of each object in `body[list]`; none when the body or the list is not the shape. */
export function listedIds(body: unknown, list: string, field: string): string[] {
  const items = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[list] : undefined;
  if (!Array.isArray(items)) return [];
  return items
    .map((m: unknown) => (typeof m === 'object' && m !== null ? (m as Record<string, unknown>)[field] : undefined))
    .filter((id): id is string => typeof id === 'string');
}
