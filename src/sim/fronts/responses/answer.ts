// OpenAI Responses API wire format: the `response` object, its stream of named events (response.created …
// response.completed, sequence-numbered as written), the `response.compaction` object of POST /v1/responses/compact,
// and the failure a stream ends with. The same events go over HTTP SSE and, one message each, the WebSocket mode.
import type { SimReply } from '../../reply.ts';
import { estimateTokens } from '../../reply.ts';
import { SIM_COMPACTION } from './request.ts';
import type { Json } from '../../json.ts';
import { halves, wordPieces, type SseFrame, type StreamPlan } from '../../sse.ts';

export interface ResponsesMeta {
  /** `resp_sim_N`; its items are `msg_sim_N`, `fc_sim_N`, `rs_sim_N`. */
  seq: number;
  model: string;
  /** Unix seconds. */
  created: number;
  /** The request's settings the object repeats (request.ts echoOf). */
  echo: Json;
  /** `include: ["reasoning.encrypted_content"]`: a reasoning item carries its (simulated) encrypted content. */
  encryptedReasoning?: boolean;
}

export const responseId = (seq: number): string => `resp_sim_${seq}`;

/** OpenAI's input_tokens include the cached ones; reasoning tokens are part of the output. */
function usageOf(reply: SimReply): Json {
  return {
    input_tokens: reply.inputTokens,
    input_tokens_details: { cached_tokens: reply.cache?.read ?? 0 },
    output_tokens: reply.outputTokens,
    output_tokens_details: { reasoning_tokens: reply.thinking ? estimateTokens(reply.thinking.thinking) : 0 },
    total_tokens: reply.inputTokens + reply.outputTokens,
  };
}

const incomplete = (reply: SimReply): boolean => reply.finish === 'length';

function responseObject(meta: ResponsesMeta, status: string, output: Json[], extra: Json = {}): Json {
  return {
    id: responseId(meta.seq),
    object: 'response',
    created_at: meta.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    model: meta.model,
    output,
    ...meta.echo,
    usage: null,
    ...extra,
  };
}

/** The finished answer's output items: its reasoning, then its message or its call. */
export function outputItems(reply: SimReply, meta: ResponsesMeta): Json[] {
  const status = incomplete(reply) ? 'incomplete' : 'completed';
  const items: Json[] = reply.thinking ? [reasoningItem(meta)] : [];
  if (reply.toolCall) items.push(callItem(reply, meta, status, reply.toolCall.arguments));
  else items.push(messageItem(meta, status, [textPart(reply.text)]));
  return items;
}

const reasoningItem = (meta: ResponsesMeta): Json => ({
  id: `rs_sim_${meta.seq}`,
  type: 'reasoning',
  summary: [],
  ...(meta.encryptedReasoning === true ? { encrypted_content: `sim-reasoning-${meta.seq}` } : {}),
});

const textPart = (text: string): Json => ({ type: 'output_text', annotations: [], logprobs: [], text });

const messageItem = (meta: ResponsesMeta, status: string, content: Json[]): Json => ({
  id: `msg_sim_${meta.seq}`,
  type: 'message',
  status,
  content,
  role: 'assistant',
});

function callItem(reply: SimReply, meta: ResponsesMeta, status: string, args: string): Json {
  const call = reply.toolCall!;
  return {
    id: `fc_sim_${meta.seq}`,
    type: 'function_call',
    status,
    arguments: args,
    call_id: call.id,
    name: call.name,
  };
}

/** The terminal state of a finished answer: `incomplete` (max_output_tokens) or `completed`. */
function ending(reply: SimReply): Json {
  return incomplete(reply)
    ? { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
    : { status: 'completed' };
}

export function responsesAnswer(reply: SimReply, meta: ResponsesMeta): Json {
  const end = ending(reply);
  return responseObject(meta, String(end['status']), outputItems(reply, meta), { ...end, usage: usageOf(reply) });
}

/** A response that failed: what a non-streamed `stream_error` answers, and what `response.failed` carries. */
export function failedResponse(meta: ResponsesMeta, output: Json[] = []): Json {
  return responseObject(meta, 'failed', output, {
    error: { code: 'server_error', message: 'The server had an error processing your request. Sorry about that!' },
  });
}

const event = (type: string, fields: Json, content?: SseFrame['content']): SseFrame => ({
  event: type,
  data: JSON.stringify({ type, ...fields }),
  ...(content ? { content } : {}),
});

export function responsesStream(reply: SimReply, meta: ResponsesMeta): StreamPlan {
  const head = [
    event('response.created', { response: responseObject(meta, 'in_progress', []) }),
    event('response.in_progress', { response: responseObject(meta, 'in_progress', []) }),
  ];
  const done: Json[] = [];
  if (reply.thinking) {
    const item = reasoningItem(meta);
    done.push(item);
    head.push(
      event('response.output_item.added', { output_index: 0, item }),
      event('response.output_item.done', { output_index: 0, item }, { thinking: reply.thinking.thinking }),
    );
  }
  const at = done.length;
  const status = incomplete(reply) ? 'incomplete' : 'completed';
  const { deltas, tail } = reply.toolCall
    ? callEvents(reply, meta, at, status, head)
    : textEvents(reply, meta, at, status, head);
  const end = ending(reply);
  tail.push(
    event(`response.${String(end['status'])}`, {
      response: responseObject(meta, String(end['status']), outputItems(reply, meta), {
        ...end,
        usage: usageOf(reply),
      }),
    }),
  );
  const error = event('response.failed', { response: failedResponse(meta, done) });
  return { head, deltas, tail, error };
}

/** The events of the answer's one output item after any reasoning: `at` is its index, `head` takes its `added`. */
type OutputEvents = (
  reply: SimReply,
  meta: ResponsesMeta,
  at: number,
  status: string,
  head: SseFrame[],
) => { deltas: SseFrame[]; tail: SseFrame[] };

const textEvents: OutputEvents = (reply, meta, at, status, head) => {
  const where = { item_id: `msg_sim_${meta.seq}`, output_index: at, content_index: 0 };
  head.push(
    event('response.output_item.added', { output_index: at, item: messageItem(meta, 'in_progress', []) }),
    event('response.content_part.added', { ...where, part: textPart('') }),
  );
  const deltas = wordPieces(reply.text).map((piece) =>
    event('response.output_text.delta', { ...where, delta: piece, logprobs: [] }, { text: piece }),
  );
  const tail = [
    event('response.output_text.done', { ...where, text: reply.text, logprobs: [] }),
    event('response.content_part.done', { ...where, part: textPart(reply.text) }),
    event('response.output_item.done', { output_index: at, item: messageItem(meta, status, [textPart(reply.text)]) }),
  ];
  return { deltas, tail };
};

const callEvents: OutputEvents = (reply, meta, at, status, head) => {
  const call = reply.toolCall!;
  const where = { item_id: `fc_sim_${meta.seq}`, output_index: at };
  head.push(event('response.output_item.added', { output_index: at, item: callItem(reply, meta, 'in_progress', '') }));
  const deltas = halves(call.arguments).map((part) =>
    event('response.function_call_arguments.delta', { ...where, delta: part }, { args: part }),
  );
  const tail = [
    event('response.function_call_arguments.done', { ...where, name: call.name, arguments: call.arguments }),
    event('response.output_item.done', { output_index: at, item: callItem(reply, meta, status, call.arguments) }),
  ];
  return { deltas, tail };
};

/** A warm-up (`generate: false`, Codex's first message on a connection): no model call, only a response the next
 * turn can continue from, created and completed with no output. */
export function warmUpEvents(meta: ResponsesMeta): SseFrame[] {
  const usage = {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  return [
    event('response.created', { response: responseObject(meta, 'in_progress', []) }),
    event('response.completed', { response: responseObject(meta, 'completed', [], { usage }) }),
  ];
}

/** Numbers each event as it is written (`sequence_number`, from 0), wherever a fault ends the stream. */
export function numbering(): (frame: SseFrame) => SseFrame {
  let next = 0;
  return (frame) => {
    const data = JSON.parse(frame.data) as Json;
    return { ...frame, data: JSON.stringify({ type: data['type'], sequence_number: next++, ...data }) };
  };
}

/** POST /v1/responses/compact's answer: the user messages as sent, then one compaction item holding a summary (the
 * simulator's is readable, marked SIM_COMPACTION; OpenAI's is encrypted). */
export function compactionAnswer(reply: SimReply, meta: ResponsesMeta, items: Json[]): Json {
  const users = items.filter((i) => i['role'] === 'user' && (i['type'] === undefined || i['type'] === 'message'));
  const summary = `Sim summary of ${items.length} item${items.length === 1 ? '' : 's'}: ${reply.text}`;
  return {
    id: responseId(meta.seq),
    object: 'response.compaction',
    created_at: meta.created,
    output: [
      ...users,
      {
        id: `cmp_sim_${meta.seq}`,
        type: 'compaction',
        encrypted_content: SIM_COMPACTION + Buffer.from(summary, 'utf8').toString('base64url'),
      },
    ],
    usage: usageOf(reply),
  };
}
