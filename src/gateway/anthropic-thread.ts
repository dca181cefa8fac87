// `thread` (Anthropic's message threads beta, `message-threads-…`, which the SDK's beta.messages.toolRunner() and
// thread() send): the server keeps the conversation and each request sends only what is new. The gateway keeps no
// conversation — each request may be answered by another key, route or provider — so a thread is refused in
// Anthropic's shape with the code its SDK understands, `thread_unsupported_request` (naming `fallbacks`, one of the
// features the API itself refuses threads for): toolRunner() then sends the whole history without a thread by
// itself, and thread() does with `unsupportedRequestBehavior: 'continue_unthreaded'`. Dropping the field instead
// would send the upstream the newest turn alone.
import { ApiError } from './api-error.ts';

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
