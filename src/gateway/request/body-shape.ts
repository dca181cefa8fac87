// The chat lane's check of a body against its route's schema (server/chat-lane.ts), with fastify's own verdicts. A
// body is first looked at by hand for what the schema asks (a named model, messages with roles); only one that does
// not plainly pass is given to ajv, compiled as fastify compiles it (its options, @fastify/ajv-compiler), so a
// refusal says what fastify's would. The look by hand passes nothing the schema refuses; ajv has the last word.
import { AjvCompiler } from '@fastify/ajv-compiler';
import { MAX_MODEL_CHARS } from './model-resolve.ts';

/** The gateway's ajv settings (app.ts gives fastify the same): a body is checked as it came, never changed. */
export const AJV_OPTIONS = {
  customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false },
} as const;

/** One of ajv's errors, as errors.ts reads them from `validation`. */
interface SchemaIssue {
  instancePath?: string;
  message?: string;
}

type Validate = ((data: unknown) => boolean) & { errors?: SchemaIssue[] | null };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A model name the schema takes: a string of 1 to MAX_MODEL_CHARS code points (ajv counts code points; a string of
 * at most that many UTF-16 units is within it). */
const namesModel = (model: unknown): boolean =>
  typeof model === 'string' && model.length > 0 && model.length <= MAX_MODEL_CHARS;

/** A non-empty array of objects, each with a string `role`. */
function hasMessages(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) if (!isObject(m) || typeof m['role'] !== 'string') return false;
  return true;
}

/** What a route's schema asks of a body besides its model and stream, by hand. */
export type BodyFits = (body: Record<string, unknown>) => boolean;

/** chat-completions.ts's openaiBodySchema: a Responses body (`input`, no `messages`) is checked later. */
export const chatFits: BodyFits = (body) =>
  (body['input'] !== undefined && body['messages'] === undefined) || hasMessages(body['messages']);

/** messages.ts's anthropicBodySchema. */
export const messagesFits: BodyFits = (body) => {
  const max = body['max_tokens'];
  return hasMessages(body['messages']) && (max === undefined || (Number.isInteger(max) && (max as number) >= 1));
};

/** responses.ts's responsesBodySchema. */
export const responsesFits: BodyFits = (body) => body['input'] !== undefined;

/** Whether `body` plainly passes a chat route's schema: an object naming a model, `stream` a boolean if there, and
 * what `fits` asks. */
export function plainlyFits(fits: BodyFits, body: unknown): boolean {
  if (!isObject(body) || !namesModel(body['model'])) return false;
  const stream = body['stream'];
  if (stream !== undefined && typeof stream !== 'boolean') return false;
  return fits(body);
}

/** A route's body check: undefined when `body` passes, else the error fastify's validation would have thrown. */
export type BodyCheck = (body: unknown) => Error | undefined;

/** fastify's validator compiler with the gateway's options, made once for every route's check (an ajv instance each
 * otherwise), and only when a body first needs it. */
let compiler: ReturnType<ReturnType<typeof AjvCompiler>> | undefined;

/** The check of a chat route's body (its `schema`, which `fits` reads by hand), ajv only for what does not plainly
 * fit. */
export function bodyCheck(fits: BodyFits, schema: object): BodyCheck {
  let validate: Validate | undefined;
  return (body) => {
    if (plainlyFits(fits, body)) return undefined;
    compiler ??= AjvCompiler()({}, AJV_OPTIONS);
    validate ??= compiler({ schema }) as Validate;
    if (validate(body)) return undefined;
    return validationError(validate.errors ?? []);
  };
}

/** As fastify makes it: its message joins the issues; errors.ts reads `validation`. */
function validationError(issues: SchemaIssue[]): Error {
  const text = issues.map((e) => `body${e.instancePath ?? ''} ${e.message ?? ''}`).join(', ');
  return Object.assign(new Error(text), {
    validation: issues,
    validationContext: 'body',
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
  });
}
