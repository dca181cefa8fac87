// `thread` (Anthropic's message threads): the gateway keeps no conversation, so a thread is refused with the code
// the SDK then falls back on, rather than sending the newest turn alone (docs/shapes.md#message-threads).
import { ApiError } from '../../answer/api-error.ts';

const MESSAGE =
  "thread: message threads are not supported here: this gateway keeps no conversation between requests (each may be answered by another route or key), so send the whole conversation in `messages` without `thread`. The Anthropic SDK's toolRunner() does so by itself; thread() does with unsupportedRequestBehavior: 'continue_unthreaded'";

/** Throws the refusal when the body asks for a thread (`null` asks for none). */
export function refuseThread(body: unknown): void {
  if (typeof body !== 'object' || body === null || (body as { thread?: unknown }).thread == null) return;
  throw new ApiError('invalid_request', MESSAGE, {
    code: 'thread_unsupported_request',
    param: 'thread',
    details: { error_code: 'thread_unsupported_request', unsupported: ['fallbacks'] },
  });
}
