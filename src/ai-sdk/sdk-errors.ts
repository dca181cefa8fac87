// Errors the AI SDK recognises, without importing it: the SDK tells its errors apart by marker symbols
// (`Symbol.for('vercel.ai.error.AI_APICallError')`), never by class, so that errors from any copy or major of
// `@ai-sdk/provider` are read alike; ours carry the same markers (docs/clients.md, "The AI SDK in-process").
import { SwitchyardError } from '../routing/errors.ts';
import type { Attempt } from '../calls/types.ts';

const SDK_MARKER = Symbol.for('vercel.ai.error');
const API_CALL_MARKER = Symbol.for('vercel.ai.error.AI_APICallError');
const UNSUPPORTED_MARKER = Symbol.for('vercel.ai.error.AI_UnsupportedFunctionalityError');

/** Our ladder's failure as the SDK's `APICallError`: `isRetryable` is always false, since every retry, rotation and
 * fallback worth trying has been tried, and `maxRetries` on top would only repeat the whole ladder. `cause` is the
 * SwitchyardError, with its explanation and attempt trail. */
export class SwitchyardCallError extends Error {
  override readonly name = 'AI_APICallError';
  readonly [SDK_MARKER] = true;
  readonly [API_CALL_MARKER] = true;
  /** The SDK's fields: a `switchyard:` URL naming the task, since a ladder has no one URL. */
  readonly url: string;
  readonly requestBodyValues: unknown;
  readonly statusCode: number | undefined;
  readonly responseHeaders: Record<string, string> | undefined = undefined;
  readonly responseBody: string | undefined = undefined;
  readonly isRetryable = false;
  readonly data: { task: string; kind: string; midStream: boolean; trail: Attempt[] };
  override readonly cause: SwitchyardError;

  constructor(error: SwitchyardError, requestBodyValues: unknown) {
    super(error.message, { cause: error });
    this.cause = error;
    this.url = `switchyard:${error.task}`;
    this.requestBodyValues = requestBodyValues;
    this.statusCode = lastStatus(error.trail);
    this.data = { task: error.task, kind: error.kind, midStream: error.midStream, trail: error.trail };
  }

  static isInstance(value: unknown): value is SwitchyardCallError {
    return (
      value instanceof Error &&
      (value as { [API_CALL_MARKER]?: unknown })[API_CALL_MARKER] === true &&
      SwitchyardError.isInstance(value.cause)
    );
  }
}

function lastStatus(trail: readonly Attempt[]): number | undefined {
  return trail.findLast((a) => a.status !== undefined)?.status;
}

/** A setting or prompt part this provider cannot send, refused in the SDK's terms before anything is sent. */
export class UnsupportedFunctionalityError extends Error {
  override readonly name = 'AI_UnsupportedFunctionalityError';
  readonly [SDK_MARKER] = true;
  readonly [UNSUPPORTED_MARKER] = true;
  readonly functionality: string;

  constructor(functionality: string, message: string) {
    super(message);
    this.functionality = functionality;
  }
}

/** The SDK's error for what a call threw: the ladder's failure as an APICallError; anything else (a caller's abort,
 * a UserError about the config) as it is. */
export function sdkError(err: unknown, requestBodyValues: unknown): unknown {
  return SwitchyardError.isInstance(err) ? new SwitchyardCallError(err, requestBodyValues) : err;
}

const NO_SUCH_MODEL_MARKER = Symbol.for('vercel.ai.error.AI_NoSuchModelError');

/** `switchyard('…')` with a name that is neither a task nor a configured `provider/model`, or a kind of model we do
 * not have (embeddings, images). */
export class NoSuchModelError extends Error {
  override readonly name = 'AI_NoSuchModelError';
  readonly [SDK_MARKER] = true;
  readonly [NO_SUCH_MODEL_MARKER] = true;
  readonly modelId: string;
  readonly modelType: 'languageModel' | 'embeddingModel' | 'imageModel';

  constructor(modelId: string, message: string, modelType: NoSuchModelError['modelType'] = 'languageModel') {
    super(message);
    this.modelId = modelId;
    this.modelType = modelType;
  }
}
