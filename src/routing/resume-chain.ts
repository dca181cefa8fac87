// `streaming.resume`'s second chain: the continued request (stream-resume.ts) run over the task's routes from the one
// after the cut (runChain, with its retries, rotation and fallback), up to the first content of the continuation.
import type { ChatRequest } from '../providers/types.ts';
import type { StreamingSettings } from '../config/streaming.ts';
import type { CallContext, Sender } from './call-context.ts';
import { runChain, type ChainInput } from './chain.ts';
import { streamSender, type OpenedStream } from './stream.ts';
import { continuedRequest, resumeRoutes, type Resumer } from './stream-resume.ts';

/** A call's resumer, or undefined when resuming is off or the request cannot be continued: a Responses request sent
 * as it came (`responses_body`) has no canonical text to continue. */
export function chainResumer(
  ctx: CallContext,
  input: ChainInput,
  request: Omit<ChatRequest, 'model'>,
  streaming: StreamingSettings,
): Resumer<OpenedStream> | undefined {
  if (!streaming.resume || request.responses_body !== undefined) return undefined;
  return async ({ route, text }) => {
    const send: Sender<OpenedStream> = (adapter, sendCtx, next, adjust) =>
      streamSender(continuedRequest(request, text, adapter.type), streaming)(adapter, sendCtx, next, adjust);
    const done = await runChain(ctx, { ...input, routes: resumeRoutes(input.routes, route) }, send);
    return { route: done.route, opened: done.value };
  };
}
