// A JSON answer on an Anthropic route: the schema as Anthropic's structured outputs take it (`output_config.format`,
// generally available, no beta header) for models that have them, a system-prompt instruction for those that do not
// (docs/shapes.md#structured-output-on-every-route).
import { claudeModel, reaches, type SinceRule } from './claude-model.ts';
import { jsonInstruction } from '../translate/response-format.ts';
import { isObj, setKey, type Obj } from '../translate/obj.ts';
import type { ResponseFormat } from '../types.ts';

/** Claude models with structured outputs: Sonnet and Haiku 4.5, Opus 4.5, and every later model. */
const STRUCTURED: readonly SinceRule[] = [
  { family: '*', from: [5, 0] },
  { family: 'opus', from: [4, 5] },
  { family: 'sonnet', from: [4, 5] },
  { family: 'haiku', from: [4, 5] },
];

/** How a route to `model` is asked for JSON: `native` (the field), `instruction` (the prompt), or `both` for a name
 * that is no Claude model's (another vendor's model behind an Anthropic-compatible API may ignore the field, and the
 * simulator's `sim-*` take it). */
export type JsonAsk = 'native' | 'instruction' | 'both';

export function jsonAskFor(model: string): JsonAsk {
  const m = claudeModel(model);
  // `claude-3-7-sonnet-…` and other Claude 3 ids name no version claudeModel reads: none of them has the feature.
  if (m === undefined) return /claude/i.test(model) ? 'instruction' : 'both';
  return STRUCTURED.some((rule) => reaches(rule, m)) ? 'native' : 'instruction';
}

export interface AnthropicJson {
  /** `output_config.format`. */
  format?: Obj;
  /** Appended to the system prompt. */
  instruction?: string;
}

/** What an Anthropic request carries for `format`: `json_object` (no schema) has no native form. */
export function anthropicJson(format: ResponseFormat, model: string): AnthropicJson {
  if (format.type === 'text') return {};
  const instruction = jsonInstruction(format);
  const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
  const ask = jsonAskFor(model);
  if (schema === undefined || ask === 'instruction') return instruction === undefined ? {} : { instruction };
  const native = { type: 'json_schema', schema: anthropicOutputSchema(schema) };
  return ask === 'native' || instruction === undefined ? { format: native } : { format: native, instruction };
}

/** Keywords Anthropic's structured outputs refuse; kept in the description so the model still reads them, as the
 * official SDKs do. `minItems` is taken only as 0 or 1. */
const UNSUPPORTED = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
];

/** Sub-schemas by keyword: one schema, a list, or a map of them. */
const ONE = ['items', 'not'];
const LIST = ['anyOf', 'prefixItems'];
const MAP = ['properties', '$defs', 'definitions'];

/** A schema as Anthropic takes it: every object closed (`additionalProperties: false`, which it requires and which
 * only narrows what the caller's schema allows), `oneOf` as `anyOf`, refused constraints moved into the description. */
export function anthropicOutputSchema(schema: Obj, close = true): Obj {
  const out: Obj = {};
  const moved: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (UNSUPPORTED.includes(k) || (k === 'minItems' && v !== 0 && v !== 1)) setKey(moved, k, v);
    else if (k === 'oneOf' && Array.isArray(v)) out['anyOf'] = v.map(sub);
    else if (ONE.includes(k)) out[k] = sub(v);
    else if (LIST.includes(k) && Array.isArray(v)) out[k] = v.map(sub);
    // Branches of an allOf each see only some of the properties: closed, no object could match them all.
    else if (k === 'allOf' && Array.isArray(v)) out[k] = v.map((s) => (isObj(s) ? anthropicOutputSchema(s, false) : s));
    else if (MAP.includes(k) && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, sub(s)]));
    else setKey(out, k, v);
  }
  if (
    close &&
    (schema['type'] === 'object' ||
      (Array.isArray(schema['type']) && schema['type'].includes('object')) ||
      isObj(schema['properties']))
  )
    out['additionalProperties'] = false;
  if (Object.keys(moved).length > 0) {
    const note = `{${Object.entries(moved)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(', ')}}`;
    out['description'] = typeof out['description'] === 'string' ? `${out['description']}\n\n${note}` : note;
  }
  return out;
}

const sub = (v: unknown): unknown => (isObj(v) ? anthropicOutputSchema(v) : v);
