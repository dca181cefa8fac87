// Bedrock's Converse wire format on the simulator: the Converse answer whole, or ConverseStream's events each a binary
// event-stream message (`:event-type`, `:content-type`, `:message-type`, encoded with Smithy's codec): messageStart,
// contentBlockStart (a tool call), contentBlockDelta…, contentBlockStop, messageStop, metadata (usage). Errors are
// AWS's: a JSON `{"message"}` with the exception named in `x-amzn-errortype`, or an exception message mid-stream.
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { SimReply } from '../../reply.ts';
import type { ErrorName } from '../../steps.ts';
import type { HttpReply } from '../../errors.ts';
import { halves, wordPieces, type SseFrame, type StreamPlan } from '../../sse.ts';

const STOP: Record<SimReply['finish'], string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  stop_sequence: 'stop_sequence',
};

/** Converse's inputTokens leaves out the cached part, counted apart. */
function usageOf(reply: SimReply): Record<string, number> {
  const read = reply.cache?.read ?? 0;
  const write = reply.cache?.creation ?? 0;
  const input = Math.max(0, reply.inputTokens - read - write);
  return {
    inputTokens: input,
    outputTokens: reply.outputTokens,
    totalTokens: reply.inputTokens + reply.outputTokens,
    ...(reply.cache ? { cacheReadInputTokens: read, cacheWriteInputTokens: write } : {}),
  };
}

/** Claude's thinking as Converse carries it: a reasoningContent block, signed. */
const reasoningOf = (reply: SimReply): Record<string, unknown>[] =>
  reply.thinking
    ? [{ reasoningContent: { reasoningText: { text: reply.thinking.thinking, signature: reply.thinking.signature } } }]
    : [];

export function converseAnswer(reply: SimReply): Record<string, unknown> {
  const call = reply.toolCall;
  const content = [
    ...reasoningOf(reply),
    call
      ? { toolUse: { toolUseId: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown } }
      : { text: reply.text },
  ];
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: STOP[reply.finish],
    usage: usageOf(reply),
    metrics: { latencyMs: 120 },
  };
}

const event = (type: string, data: Record<string, unknown>): SseFrame => ({ event: type, data: JSON.stringify(data) });

export function converseStream(reply: SimReply): StreamPlan {
  const head = [event('messageStart', { role: 'assistant' })];
  // A thinking block first, at index 0 (its text, then its signature); the answer's block after it.
  const at = reply.thinking ? 1 : 0;
  if (reply.thinking) {
    const t = reply.thinking;
    if (t.thinking !== '')
      head.push(
        event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: t.thinking } } }),
      );
    head.push(
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: t.signature } } }),
    );
    head.push(event('contentBlockStop', { contentBlockIndex: 0 }));
  }
  const call = reply.toolCall;
  const deltas: SseFrame[] = call
    ? [
        event('contentBlockStart', {
          contentBlockIndex: at,
          start: { toolUse: { toolUseId: call.id, name: call.name } },
        }),
        ...halves(call.arguments).map((part) => ({
          ...event('contentBlockDelta', { contentBlockIndex: at, delta: { toolUse: { input: part } } }),
          content: { args: part },
        })),
      ]
    : wordPieces(reply.text).map((piece) => ({
        ...event('contentBlockDelta', { contentBlockIndex: at, delta: { text: piece } }),
        content: { text: piece },
      }));
  const tail = [
    event('contentBlockStop', { contentBlockIndex: at }),
    event('messageStop', { stopReason: STOP[reply.finish] }),
    event('metadata', { usage: usageOf(reply), metrics: { latencyMs: 120 } }),
  ];
  const error: SseFrame = {
    event: 'serviceUnavailableException',
    exception: true,
    data: JSON.stringify({ message: 'Bedrock is unable to process your request.' }),
  };
  return { head, deltas, tail, error };
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One frame as an event-stream message. */
export function encodeEvent(frame: SseFrame): Uint8Array {
  const str = (value: string): { type: 'string'; value: string } => ({ type: 'string', value });
  const kind = frame.exception === true ? 'exception' : 'event';
  const headers: Record<string, { type: 'string'; value: string }> = {
    ':message-type': str(kind),
    [frame.exception === true ? ':exception-type' : ':event-type']: str(frame.event ?? ''),
    ':content-type': str('application/json'),
  };
  return codec.encode({ headers, body: fromUtf8(frame.data) });
}

export const EVENT_STREAM_HEADERS = { 'content-type': 'application/vnd.amazon.eventstream' };

const exception = (status: number, name: string, message: string): HttpReply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify({ message }),
  headers: { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
});

/** AWS's refusal of a request's signature (request.ts). */
export const signatureRefusal = ([name, message]: [string, string]): HttpReply => exception(403, name, message);

const QUOTA =
  'Your request exceeds the service quota for your account. You can view your quotas at https://docs.aws.amazon.com/servicequotas/latest/userguide/gs-request-quota.html. You can resubmit your request later.';

export function bedrockError(error: ErrorName, openai: HttpReply, detail: string | undefined): HttpReply {
  switch (error) {
    case 'bad_gateway':
      return openai;
    case 'missing_key':
      return exception(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'invalid_key':
    case 'token_invalidated':
      return exception(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'token_expired':
      return exception(403, 'ExpiredTokenException', 'The security token included in the request is expired');
    case 'forbidden':
    case 'model_access_denied':
    case 'region_refused':
      return exception(403, 'AccessDeniedException', "You don't have access to the model with the specified model ID.");
    case 'payment':
    case 'quota':
      return exception(400, 'ServiceQuotaExceededException', QUOTA);
    case 'rate_limited':
      return exception(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
    case 'server':
    case 'forbidden_server_error':
      return exception(500, 'InternalServerException', 'The server encountered an error processing your request.');
    case 'unavailable':
    case 'overloaded':
      return exception(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.');
    case 'overloaded_529':
      return exception(
        429,
        'ModelNotReadyException',
        'The model specified in the request is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times.',
      );
    case 'context_length':
      return exception(400, 'ValidationException', 'Input is too long for requested model.');
    case 'content_filter':
      return exception(400, 'ValidationException', 'Output blocked by content filtering policy');
    case 'model_not_found':
      return exception(400, 'ValidationException', 'The provided model identifier is invalid.');
    default:
      return exception(
        400,
        'ValidationException',
        detail ?? 'Malformed input request, please reformat your input and try again.',
      );
  }
}

/** A cross-region inference profile's id: the geography before the model id (`us.anthropic.claude-…`). */
const PROFILE = /^(us|eu|apac|jp|au|ca|us-gov|global)\.(.+)$/;

/** Bedrock's control plane, `GET /foundation-models` (ListFoundationModels) and `GET /inference-profiles`
 * (ListInferenceProfiles): the scenario's models, a profile's model listed as a foundation model too. */
export function bedrockModelList(pathname: string, scenario: { models: Record<string, unknown> }): HttpReply {
  const ids = Object.keys(scenario.models);
  const body =
    pathname === '/inference-profiles'
      ? {
          inferenceProfileSummaries: ids
            .filter((id) => PROFILE.test(id))
            .map((id) => ({
              inferenceProfileId: id,
              inferenceProfileName: id,
              inferenceProfileArn: `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${id}`,
              status: 'ACTIVE',
              type: 'SYSTEM_DEFINED',
            })),
        }
      : {
          modelSummaries: [...new Set(ids.map((id) => PROFILE.exec(id)?.[2] ?? id))].map((id) => ({
            modelId: id,
            modelName: id,
            modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${id}`,
            providerName: id.split('.')[0] ?? id,
            outputModalities: ['TEXT'],
            responseStreamingSupported: true,
            modelLifecycle: { status: 'ACTIVE' },
          })),
        };
  return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
}
