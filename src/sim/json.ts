// The little JSON vocabulary the request readers and checks share.
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A message's content as a list of blocks: a string is one text block, anything else not a list is none. */
export function blocksOf(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content : [];
}

/** Why a body that must be a JSON object is not one. */
export type NotAnObject = 'not json' | 'not an object';

/** A body that must be a JSON object: the object, or which way it is not one (each front door says it its own way). */
export function jsonObjectOf(raw: string): Json | NotAnObject {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not json';
  }
  return isObject(value) ? value : 'not an object';
}
