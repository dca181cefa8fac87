// Amazon Bedrock's Converse API: POST {base_url}/model/{modelId}/converse, or /converse-stream (AWS's binary
// event-stream framing, event-stream.ts), every request signed with SigV4 for the provider's region (sign.ts), or
// a Bedrock API key as Bearer. The model id may be an inference profile (`us.anthropic.claude-…`) or an ARN. An
// exception inside a 200 stream (`:message-type: exception`) is classified and thrown.
import { randomUUID } from 'node:crypto';
import { bedrockRegionOfUrl } from '../../config/region.ts';
import { classifyStreamError } from '../../errors/classify.ts';
import { fromClassification } from '../../errors/upstream-error.ts';
import { awsKeysOf, awsSecrets, sigv4Headers } from './sign.ts';
import { callSecrets } from '../call-secrets.ts';
import { eventStreamReader } from './event-stream.ts';
import { callJson, readAnswer, upstreamTarget, withModel, type UpstreamCall, type UpstreamTarget } from '../http.ts';
import { eventJson, streamCall, type StreamHandler } from '../stream-call.ts';
import { splitStops, stopAnswer, stopStream } from '../stop-sequences.ts';
import { createConverseDecoder } from './stream.ts';
import { toConverseRequest } from './request.ts';
import { fromConverseResponse } from './answer.ts';
import { listedIds } from '../listed-ids.ts';
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext, StreamEvent } from '../types.ts';
import { jsonBody } from '../translate/json-bytes.ts';

/** `bedrock-runtime.REGION.amazonaws.com` names its region; a private endpoint's is the provider's `region:`. */
export function regionOf(ctx: SendContext): string {
  return ctx.awsRegion ?? bedrockRegionOfUrl(ctx.baseUrl) ?? 'us-east-1';
}

const target = (ctx: SendContext, model: string, op: string): UpstreamTarget =>
  upstreamTarget(ctx.baseUrl, `/model/${encodeURIComponent(model)}/${op}`);

function baseHeaders(ctx: SendContext, accept: string): Record<string, string> {
  const keys = awsKeysOf(ctx.apiKey);
  return {
    'content-type': 'application/json',
    accept,
    ...(keys === undefined ? { authorization: `Bearer ${ctx.apiKey}` } : {}),
    ...ctx.headers,
  };
}

/** The SigV4 headers for a call, when the credential is AWS keys (a Bedrock API key needs none). */
function signer(ctx: SendContext): UpstreamCall['sign'] {
  const keys = awsKeysOf(ctx.apiKey);
  if (keys === undefined) return undefined;
  return (call) => sigv4Headers(keys, regionOf(ctx), 'bedrock', originOf(ctx.baseUrl), call);
}

const originOf = (base: string): string => new URL(base).origin;

/** The credential's secret parts are scrubbed too, not only the whole of it. */
const secretsOf = (ctx: SendContext): string[] => [...callSecrets(ctx), ...awsSecrets(ctx.apiKey)];

async function send(req: ChatRequest, ctx: SendContext): Promise<ChatResponse> {
  const call = {
    url: target(ctx, req.model, 'converse'),
    method: 'POST' as const,
    headers: baseHeaders(ctx, 'application/json'),
    body: jsonBody(toConverseRequest(req)),
  };
  const sign = signer(ctx);
  if (sign !== undefined) call.headers = { ...call.headers, ...(await sign(call)) };
  const body = await callJson(ctx, call);
  const res = readAnswer(() => fromConverseResponse(body), ctx.provider);
  return stopAnswer(withModel(res, req), splitStops(req.stop).kept);
}

function streamHandler(ctx: SendContext, req: ChatRequest): StreamHandler {
  const decoder = createConverseDecoder(`bedrock-${randomUUID()}`, req.model);
  return {
    onEvent(e) {
      const data = eventJson(e, ctx, 'invalid_event', 'stream event');
      if (e.id === 'exception') {
        const payload = { type: e.event, message: (data as { message?: unknown }).message };
        throw fromClassification(classifyStreamError(payload, secretsOf(ctx)), ctx.provider, { midStream: true });
      }
      const events = decoder.push(e.event ?? '', data);
      return decoder.usageSeen ? { events, done: true } : { events };
    },
    onEnd: () => (decoder.complete ? decoder.end() : undefined),
    reader: eventStreamReader,
  };
}

function stream(req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent> {
  const kept = splitStops(req.stop).kept;
  const sign = signer(ctx);
  const events = streamCall(
    ctx,
    {
      url: target(ctx, req.model, 'converse-stream'),
      method: 'POST',
      headers: baseHeaders(ctx, 'application/vnd.amazon.eventstream'),
      body: jsonBody(toConverseRequest(req)),
      ...(sign !== undefined ? { sign } : {}),
    },
    streamHandler(ctx, req),
  );
  return kept.length > 0 ? stopStream(events, kept) : events;
}

/** The control plane beside a runtime endpoint: `bedrock-runtime.REGION.amazonaws.com` → `bedrock.REGION.amazonaws.com`;
 * any other base_url (a private endpoint, a proxy, the simulator) serves both. */
export function controlPlaneOf(baseUrl: string): string {
  return baseUrl.replace(/\/\/bedrock-runtime(-fips)?\.([a-z0-9-]+)\.amazonaws\.com/, '//bedrock$1.$2.amazonaws.com');
}

/** One signed GET of the control plane's JSON. */
async function controlGet(ctx: SendContext, path: string): Promise<unknown> {
  const base = controlPlaneOf(ctx.baseUrl);
  const keys = awsKeysOf(ctx.apiKey);
  const call: Pick<UpstreamCall, 'url' | 'method' | 'headers'> = {
    url: upstreamTarget(base, path),
    method: 'GET',
    headers: {
      accept: 'application/json',
      ...(keys === undefined ? { authorization: `Bearer ${ctx.apiKey}` } : {}),
      ...ctx.headers,
    },
  };
  if (keys !== undefined)
    call.headers = { ...call.headers, ...(await sigv4Headers(keys, regionOf(ctx), 'bedrock', originOf(base), call)) };
  return callJson(ctx, call);
}

/** The region's inference profiles (`us.anthropic.claude-…`), then its foundation models (ListInferenceProfiles,
 * ListFoundationModels on the control plane), each call signed as a chat is. */
async function listModels(ctx: SendContext): Promise<string[]> {
  const profiles = listedIds(
    await controlGet(ctx, '/inference-profiles'),
    'inferenceProfileSummaries',
    'inferenceProfileId',
  );
  const models = listedIds(await controlGet(ctx, '/foundation-models'), 'modelSummaries', 'modelId');
  return [...profiles, ...models];
}

export const bedrockAdapter: ProviderAdapter = { type: 'bedrock', send, stream, listModels };
