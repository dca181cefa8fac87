// OpenAI Responses API request → canonical, for the gateway's POST /v1/responses (the answer back: answer.ts).
// Stateless: `input` carries the whole conversation (messages, function calls and their outputs; a
// `previous_response_id` turn's was rebuilt before: conversation-record.ts); items that point at stored state are
// refused with a located error rather than answered without the context they name.
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../../../providers/types.ts';
import { checkImageUrl, needsParts, textOfParts } from '../../../providers/translate/parts.ts';
import { jsonSchemaFormat } from '../../../providers/translate/response-format.ts';
import { checkToolChoice } from '../tool-choice.ts';
import { customCallArguments, customToolDefinition } from './custom-tools.ts';
import { responsesRequest, responsesTool, type ResponsesWireItem, type ResponsesWireRequest } from './schema.ts';
import { NamespaceNames } from './namespace.ts';
import { countPromptTokensLater } from '../../../calls/count-tokens.ts';
import type { CountedNeed } from '../counted-need.ts';
import { COMPACT_PROMPT, compactionMessage, gatewaySummary, summaryText } from './compaction-item.ts';
import { parseWire, WireRequestError } from '../../../providers/translate/wire-error.ts';
import { type Obj, isObj } from '../../../providers/translate/obj.ts';

export interface ParsedResponsesRequest {
  request: ChatRequest;
  stream: boolean;
  /** Names of the tools declared `type: "custom"`: their calls are answered as `custom_tool_call` items. */
  customTools: ReadonlySet<string>;
  /** The flattened names of namespaced tools: their calls are answered inside their namespace. */
  namespaces: NamespaceNames;
  /** Types of the built-in tools left out of the request (`gateway.hosted_tools: drop`), in order, each once. */
  droppedTools: string[];
  /** The request's settings the response object repeats (settingsEcho). */
  echo: ResponseEcho;
  /** The input ends with `compaction_trigger` (Codex's remote compaction): a translated route is asked for a summary,
   * answered as one `compaction` output item (compaction-stream.ts). */
  compactionTurn?: true;
  /** Anthropic betas the request needs on Anthropic routes: compaction asked for by compact_threshold. */
  betas?: string[];
  /** compact_threshold on a chain that cannot compact: the conversation counted against it (refused when over). */
  needsCounted?: CountedNeed;
}

/** What to do with the built-in tools OpenAI runs on its side (web_search, file_search, mcp, …), which no other
 * route can run: leave them out (`drop`, said in a header) or refuse the request (`refuse`). */
export type HostedToolsPolicy = 'drop' | 'refuse';

export interface ResponsesParseOptions {
  hostedTools?: HostedToolsPolicy;
  /** The first route of the chain that does not serve the Responses API, or undefined; asked only when the request has
   * built-in tools. */
  routeWithoutResponses?: () => string | undefined;
  /** The first route of the chain that compacts neither as the Responses API nor as Anthropic's, or undefined. */
  routeWithoutCompaction?: () => string | undefined;
}

/** The tools a request offers that the canonical request carries, and what answering their calls needs. */
interface WireTools {
  tools: ToolDefinition[] | undefined;
  custom: Set<string>;
  namespaces: NamespaceNames;
  /** Built-in tools: type and where each was. */
  builtIn: { type: string; path: string }[];
}

/** The settings OpenAI's Response object repeats from its request, as the caller sent them (validated). */
export interface ResponseEcho {
  instructions: string | null;
  tools: Obj[];
  tool_choice: string | Obj;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  /** Whether the gateway keeps the response to be read back (GET /v1/responses/{id}): set by the conversation record
   * (conversation-turn.ts keepTurn), false until then. */
  store: boolean;
}

/** What the response says of a request that set none of them: OpenAI's defaults where they are the gateway's too
 * (`auto`, parallel calls, no tools); sampling left unset is null, since the route's model picks its own. */
export const NO_ECHO: ResponseEcho = {
  instructions: null,
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  temperature: null,
  top_p: null,
  max_output_tokens: null,
  metadata: {},
  store: false,
};

function settingsEcho(wire: ResponsesWireRequest): ResponseEcho {
  return {
    instructions: wire.instructions ?? null,
    tools: (wire.tools ?? []) as Obj[],
    tool_choice: (wire.tool_choice ?? 'auto') as string | Obj,
    parallel_tool_calls: wire.parallel_tool_calls ?? true,
    temperature: wire.temperature ?? null,
    top_p: wire.top_p ?? null,
    max_output_tokens: wire.max_output_tokens ?? null,
    metadata: wire.metadata ?? {},
    store: false,
  };
}

/** One content part of an input message → canonical (text or image). */
function partFromWire(p: Obj, path: string, role: string): ContentPart {
  if (
    (p['type'] === 'input_text' || p['type'] === 'output_text' || p['type'] === 'text') &&
    typeof p['text'] === 'string'
  )
    return { type: 'text', text: p['text'] };
  if (p['type'] === 'input_image') {
    if (role !== 'user' && role !== 'tool')
      throw new WireRequestError(`${path}.type`, 'images are allowed in user messages and tool outputs only');
    const url = p['image_url'];
    if (typeof url !== 'string')
      throw new WireRequestError(
        `${path}.image_url`,
        'required (a file_id needs stored files, which the gateway does not keep)',
      );
    checkImageUrl(url, `${path}.image_url`);
    const detail = p['detail'];
    return detail === 'low' || detail === 'high' || detail === 'auto'
      ? { type: 'image', url, detail }
      : { type: 'image', url };
  }
  throw new WireRequestError(
    `${path}.type`,
    `content part "${String(p['type'])}" is not supported; input_text, output_text and input_image are`,
  );
}

type MessageItem = Extract<ResponsesWireItem, { role: string }>;

function messageFromWire(item: MessageItem, path: string): ChatMessage {
  const role = item.role === 'developer' ? 'system' : item.role;
  if (typeof item.content === 'string') return { role, content: item.content };
  const parts = item.content.map((p, k) => partFromWire(p, `${path}.content[${k}]`, role));
  return needsParts(parts) ? { role, content: textOfParts(parts), parts } : { role, content: textOfParts(parts) };
}

/** A tool's output: text, or parts (text and images, as Anthropic tool results hold them); anything else (a file) is
 * refused by name like in a message, rather than left out unseen. */
function toolResultFromWire(callId: string, output: string | Obj[], path: string): ChatMessage {
  if (typeof output === 'string') return { role: 'tool', tool_call_id: callId, content: output };
  const parts = output.map((p, k) => partFromWire(p, `${path}.output[${k}]`, 'tool'));
  const message: ChatMessage = { role: 'tool', tool_call_id: callId, content: textOfParts(parts) };
  if (needsParts(parts)) message.parts = parts;
  return message;
}

/** A call joins the assistant turn just before it, or opens one. */
function addToolCall(out: ChatMessage[], call: ToolCall): void {
  const last = out.at(-1);
  const turn = last?.role === 'assistant' ? last : out[out.push({ role: 'assistant', content: null }) - 1]!;
  (turn.tool_calls ??= []).push(call);
}

type Item<T extends string> = Extract<ResponsesWireItem, { type: T }>;

/** A call's name as the canonical request has it: flattened when the call was made inside a namespace. */
const calledName = (
  call: { name: string; namespace?: string | null | undefined },
  namespaces: NamespaceNames,
): string => (call.namespace ? namespaces.flatten({ namespace: call.namespace, name: call.name }) : call.name);

/** The items in order → canonical messages; consecutive function calls join the assistant turn before them. */
function messagesFromItems(
  items: readonly ResponsesWireItem[],
  namespaces: NamespaceNames,
  options: ResponsesParseOptions,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  items.forEach((item, i) => {
    const path = `input[${i}]`;
    if (item.type === 'function_call') {
      const call = item as Item<'function_call'>;
      addToolCall(out, { id: call.call_id, name: calledName(call, namespaces), arguments: call.arguments });
    } else if (item.type === 'custom_tool_call') {
      const call = item as Item<'custom_tool_call'>;
      addToolCall(out, {
        id: call.call_id,
        name: calledName(call, namespaces),
        arguments: customCallArguments(call.input),
      });
    } else if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const result = item as Item<'function_call_output' | 'custom_tool_call_output'>;
      out.push(toolResultFromWire(result.call_id, result.output, path));
    } else if (item.type === 'reasoning') {
      // A reasoning item from an earlier answer: other providers could not use it. Dropped.
    } else if (item.type === 'compaction') {
      // A compacted conversation's summary (compaction-item.ts).
      const message = compactionMessage(item as Obj, path, options);
      if (message !== undefined) out.push(message);
    } else if (item.type === 'compaction_trigger') {
      // Codex's remote compaction: a request for a compaction item, not content (compactionTurn).
    } else if (item.type === 'additional_tools') {
      // Tools declared in the conversation (Codex's Responses Lite): offered with the request's tools (toolsFromWire).
    } else if (item.type === undefined || item.type === 'message') {
      // A message may come without its `type`.
      out.push(messageFromWire(item as MessageItem, path));
    } else {
      throw new WireRequestError(
        `${path}.type`,
        `item "${String(item.type)}" is not supported; message, function_call, custom_tool_call and their outputs are (send the whole conversation: the gateway keeps no state)`,
      );
    }
  });
  return out;
}

type WireTool = NonNullable<ResponsesWireRequest['tools']>[number];

/** A function or custom tool (at the top level or inside a namespace, under the name given) → canonical. */
function clientTool(t: WireTool, name: string, custom: Set<string>): ToolDefinition {
  if (t.type === 'custom') {
    custom.add(name);
    return customToolDefinition({ ...t, name });
  }
  const tool: ToolDefinition = { name, parameters: t.parameters ?? { type: 'object', properties: {} } };
  if (t.description != null) tool.description = t.description;
  // Left out, OpenAI's Responses API is strict when the schema allows it; chat completions have no such middle
  // ground (strict: true refuses an incompatible schema), so only the caller's explicit choice is carried.
  if (t.strict != null) tool.strict = t.strict;
  return tool;
}

/** A namespace's tools, checked: each a function or custom tool with a name. */
function namespaceMembers(t: WireTool, path: string): { tool: WireTool; path: string }[] {
  if (typeof t.name !== 'string' || t.name === '')
    throw new WireRequestError(`${path}.name`, "required (the namespace's name)");
  const members: unknown = (t as Obj)['tools'];
  if (!Array.isArray(members) || members.length === 0)
    throw new WireRequestError(`${path}.tools`, 'expected a non-empty array of function or custom tools');
  return members.map((m: unknown, k) => {
    const at = `${path}.tools[${k}]`;
    const member = responsesTool.safeParse(m);
    if (!member.success || (member.data.type !== 'function' && member.data.type !== 'custom')) {
      throw new WireRequestError(`${at}.type`, 'a namespace holds function and custom tools only');
    }
    if (member.data.name === undefined) throw new WireRequestError(`${at}.name`, 'required');
    return { tool: member.data, path: at };
  });
}

/** The request's tool declarations with where each is: `tools`, then those of `additional_tools` input items, the
 * way Codex's Responses Lite declares its tools in the conversation (`input[0].tools[2]`). */
function declaredTools(wire: ResponsesWireRequest): { tool: WireTool; path: string }[] {
  const declared = (wire.tools ?? []).map((tool, i) => ({ tool, path: `tools[${i}]` }));
  if (typeof wire.input === 'string') return declared;
  wire.input.forEach((item, i) => {
    if (item.type !== 'additional_tools') return;
    const listed: unknown = (item as Obj)['tools'];
    if (!Array.isArray(listed)) throw new WireRequestError(`input[${i}].tools`, 'expected an array of tools');
    listed.forEach((t: unknown, k) => {
      const path = `input[${i}].tools[${k}]`;
      const tool = responsesTool.safeParse(t);
      if (!tool.success) throw new WireRequestError(path, 'expected a tool: {type, name, …}');
      declared.push({ tool: tool.data, path });
    });
  });
  return declared;
}

/** Function, custom and namespaced tools, and the built-in ones apart. Namespaces are flattened last so plain tools
 * keep their names; a re-declared tool is offered once. */
function toolsFromWire(wire: ResponsesWireRequest): WireTools {
  const declared = declaredTools(wire);
  const custom = new Set<string>();
  const builtIn: WireTools['builtIn'] = [];
  const plain = new Map<string, ToolDefinition>();
  const grouped = new Map<string, { namespace: string; tool: WireTool }>();
  for (const { tool: t, path } of declared) {
    if (t.type === 'function' || t.type === 'custom') {
      if (t.name === undefined) throw new WireRequestError(`${path}.name`, 'required');
      if (!plain.has(t.name)) plain.set(t.name, clientTool(t, t.name, custom));
    } else if (t.type === 'namespace') {
      for (const { tool } of namespaceMembers(t, path)) {
        const key = `${t.name ?? ''}\u0000${tool.name!}`;
        if (!grouped.has(key)) grouped.set(key, { namespace: t.name ?? '', tool });
      }
    } else {
      builtIn.push({ type: t.type, path });
    }
  }
  const namespaces = new NamespaceNames(plain.keys());
  const flattened = [...grouped.values()].map(({ namespace, tool }) =>
    clientTool(tool, namespaces.add({ namespace, name: tool.name! }), custom),
  );
  const tools = declared.length === 0 && wire.tools === undefined ? undefined : [...plain.values(), ...flattened];
  return { tools, custom, namespaces, builtIn };
}

/** Where built-in tools cannot go: the first route of the chain that does not serve the Responses API, or the
 * gateway as a whole when no route was named. */
const noRunner = (route: string | undefined): string =>
  route === undefined
    ? 'no route of this gateway runs it'
    : `route ${route} does not serve the Responses API, which runs it`;

/** Built-in tools follow gateway.hosted_tools unless every route serves the Responses API
 * (docs/responses.md#built-in-tools-web_search-file_search-mcp-). */
function applyHostedPolicy(
  builtIn: WireTools['builtIn'],
  options: ResponsesParseOptions,
): { dropped: string[]; passed: boolean } {
  const first = builtIn[0];
  if (!first) return { dropped: [], passed: false };
  const without = options.routeWithoutResponses ? options.routeWithoutResponses() : '';
  if (without === undefined) return { dropped: [], passed: true };
  if (options.hostedTools === 'refuse') {
    throw new WireRequestError(
      `${first.path}.type`,
      `"${first.type}" is a built-in tool that OpenAI runs on its side, and ${noRunner(without || undefined)}; the gateway is set to refuse such tools (gateway.hosted_tools: refuse; drop leaves them out instead)`,
      'hosted_tool_unsupported',
    );
  }
  return { dropped: [...new Set(builtIn.map((t) => t.type))], passed: false };
}

/** tool_choice → canonical. A built-in tool can be forced only where every route runs it. */
function toolChoiceFromWire(
  choice: NonNullable<ResponsesWireRequest['tool_choice']>,
  namespaces: NamespaceNames,
  options: ResponsesParseOptions,
): ToolChoice | undefined {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'allowed_tools') return (choice as Obj)['mode'] === 'required' ? 'required' : 'auto';
  if (choice.type === 'function' || choice.type === 'custom') {
    const named = choice as { name: string; namespace?: string | null };
    return { name: calledName(named, namespaces) };
  }
  const without = options.routeWithoutResponses ? options.routeWithoutResponses() : '';
  if (without === undefined) return undefined;
  throw new WireRequestError(
    'tool_choice.type',
    `forces the built-in "${choice.type}" tool, which OpenAI runs on its side, and ${noRunner(without || undefined)} (built-in tools are left out or refused there: gateway.hosted_tools)`,
    'hosted_tool_unsupported',
  );
}

/** `tool_choice: {type: "allowed_tools", mode, tools}` lets the model call only the tools it lists: the routes are
 * offered just those (by their flattened names); its built-in entries are the built-in tools' business. */
function allowedTools(
  choice: ResponsesWireRequest['tool_choice'],
  namespaces: NamespaceNames,
): Set<string> | undefined {
  if (typeof choice !== 'object' || choice.type !== 'allowed_tools') return undefined;
  const listed: unknown = (choice as Obj)['tools'];
  if (!Array.isArray(listed))
    throw new WireRequestError('tool_choice.tools', 'expected an array of the tools the model may call');
  const names = new Set<string>();
  for (const t of listed.filter(isObj)) {
    if ((t['type'] === 'function' || t['type'] === 'custom') && typeof t['name'] === 'string') {
      names.add(
        calledName(
          { name: t['name'], namespace: typeof t['namespace'] === 'string' ? t['namespace'] : undefined },
          namespaces,
        ),
      );
    }
  }
  return names;
}

/** Fields that need stored responses are refused with the codes SDKs act on, never answered without their context
 * (docs/responses.md#stateful-fields-previous_response_id-store-conversation). A `previous_response_id` reaching here was
 * not rebuilt from the record (serve-chat.ts does that for POST /v1/responses only). */
function refuseStateful(wire: ResponsesWireRequest): void {
  if (wire.previous_response_id != null) {
    throw new WireRequestError(
      'previous_response_id',
      `"${wire.previous_response_id}" is not read here (only POST /v1/responses continues a recorded conversation): send the whole conversation in input`,
      'previous_response_not_found',
    );
  }
  if (wire.conversation != null) {
    throw new WireRequestError(
      'conversation',
      'the gateway keeps no conversations: send the whole conversation in input (and store: false)',
      'unsupported_parameter',
    );
  }
  if (wire.background === true) {
    throw new WireRequestError(
      'background',
      'the gateway keeps no responses to poll: leave background out and wait for the answer, or stream it',
      'unsupported_parameter',
    );
  }
}

function formatFromWire(format: NonNullable<NonNullable<ResponsesWireRequest['text']>['format']>): ResponseFormat {
  return format.type === 'json_schema'
    ? jsonSchemaFormat(format as Extract<typeof format, { type: 'json_schema' }>)
    : { type: format.type };
}

/** The beta and the least trigger of Anthropic's server-side compaction. */
const ANTHROPIC_COMPACTION_BETA = 'compact-2026-01-12';
const ANTHROPIC_MIN_TRIGGER = 50_000;

/** What an Anthropic route is sent for a Responses compact_threshold: its own compaction at the same threshold. */
interface AnthropicCompaction {
  context_management: Obj;
  beta: string;
}

/** `context_management: [{type: "compaction", compact_threshold}]` asks the Responses API to compact the conversation
 * once it passes the threshold. A route that serves that API is sent it as it came; when every other route of the
 * chain is Anthropic's, those are asked for Anthropic's own compaction at that threshold (at least Anthropic's
 * 50,000), whose block comes back as a compaction item; on a chain with any other route, a conversation under the
 * threshold needs nothing, and one over it is refused rather than sent uncompacted. */
function checkCompactThreshold(
  body: Obj,
  messages: readonly ChatMessage[],
  options: ResponsesParseOptions,
): AnthropicCompaction | CountedNeed | undefined {
  const entries = body['context_management'];
  if (!Array.isArray(entries)) return undefined;
  const at = entries.findIndex(
    (e) => isObj(e) && e['type'] === 'compaction' && typeof e['compact_threshold'] === 'number',
  );
  if (at < 0) return undefined;
  const without = options.routeWithoutResponses ? options.routeWithoutResponses() : '';
  if (without === undefined) return undefined;
  const threshold = (entries[at] as Obj)['compact_threshold'] as number;
  if (options.routeWithoutCompaction !== undefined && options.routeWithoutCompaction() === undefined) {
    const trigger = { type: 'input_tokens', value: Math.max(threshold, ANTHROPIC_MIN_TRIGGER) };
    return {
      context_management: { edits: [{ type: 'compact_20260112', trigger }] },
      beta: ANTHROPIC_COMPACTION_BETA,
    };
  }
  // Counted on the count worker, awaited before the call (counted-need.ts).
  return countPromptTokensLater(messages.map(textForCount)).then(
    (tokens) => (tokens < threshold ? undefined : overThreshold(tokens, threshold, at, without)),
    () => undefined,
  );
}

function overThreshold(tokens: number, threshold: number, at: number, without: string): WireRequestError {
  return new WireRequestError(
    `context_management[${at}].compact_threshold`,
    `the conversation is about ${tokens} tokens, over compact_threshold ${threshold}, and route ${without || 'of this request'} cannot compact it on its side: compact it first (POST /v1/responses/compact) and send the compacted input`,
    'unsupported_parameter',
  );
}

const textForCount = (m: ChatMessage): string =>
  (m.content ?? '') + (m.tool_calls ?? []).map((c) => c.name + c.arguments).join('');

/** Whether the input ends with `compaction_trigger`; one anywhere else is refused, as OpenAI refuses it. */
function askedForCompaction(input: ResponsesWireRequest['input']): boolean {
  if (typeof input === 'string') return false;
  const at = input.findIndex((i) => i.type === 'compaction_trigger');
  if (at < 0) return false;
  if (at !== input.length - 1)
    throw new WireRequestError(`input[${at}]`, "the 'compaction_trigger' item must be the final input item");
  return true;
}

/** The body a Responses route is sent: the gateway's own compaction items, which OpenAI could not decrypt, become the
 * user message they stand for; the body is otherwise as it came. */
function withReadableCompactions(body: Obj, input: ResponsesWireRequest['input']): Obj {
  if (
    typeof input === 'string' ||
    !input.some((i) => i.type === 'compaction' && gatewaySummary(i as Obj) !== undefined)
  )
    return body;
  const items = input.map((i) => {
    const summary = i.type === 'compaction' ? gatewaySummary(i as Obj) : undefined;
    return summary === undefined ? i : { type: 'message', role: 'user', content: summaryText(summary) };
  });
  return { ...body, input: items };
}

/** Validates a Responses API request body and translates it; throws WireRequestError naming the bad field. */
export function parseResponsesRequest(body: unknown, options: ResponsesParseOptions = {}): ParsedResponsesRequest {
  const wire = parseWire(responsesRequest, body);
  refuseStateful(wire);
  const { tools, custom, namespaces, builtIn } = toolsFromWire(wire);
  const hosted = applyHostedPolicy(builtIn, options);
  const messages: ChatMessage[] = [];
  if (wire.instructions) messages.push({ role: 'system', content: wire.instructions });
  if (typeof wire.input === 'string') messages.push({ role: 'user', content: wire.input });
  else messages.push(...messagesFromItems(wire.input, namespaces, options));
  const request: ChatRequest = { model: wire.model, messages };
  const allowed = allowedTools(wire.tool_choice, namespaces);
  const offered = allowed === undefined ? tools : tools?.filter((t) => allowed.has(t.name));
  // Tools that were all built-in and left out leave none; `tools: []` as sent stays.
  if (offered !== undefined && (offered.length > 0 || builtIn.length === 0)) request.tools = offered;
  const choice = wire.tool_choice === undefined ? undefined : toolChoiceFromWire(wire.tool_choice, namespaces, options);
  if (choice !== undefined) request.tool_choice = choice;
  // The checks stand for the routes the translation goes to: none, when every route is sent the request as it came.
  if (!hosted.passed) checkToolChoice(request);
  // A route that serves the Responses API is sent the request as it came (refused fields aside, which never get here).
  const compaction = checkCompactThreshold(body as Obj, messages, options);
  const needsCounted = compaction instanceof Promise ? compaction : undefined;
  const anthropicCompaction = compaction instanceof Promise ? undefined : compaction;
  if (anthropicCompaction !== undefined)
    request.anthropic_fields = { context_management: anthropicCompaction.context_management };
  const compactionTurn = askedForCompaction(wire.input);
  if (compactionTurn) {
    // The summary is asked in words; a tool call would not be one.
    messages.push({ role: 'user', content: COMPACT_PROMPT });
    delete request.tools;
    delete request.tool_choice;
  }
  request.responses_body = withReadableCompactions(body as Obj, wire.input);
  if (wire.max_output_tokens != null) request.max_tokens = wire.max_output_tokens;
  if (wire.temperature != null) request.temperature = wire.temperature;
  if (wire.top_p != null) request.top_p = wire.top_p;
  if (wire.parallel_tool_calls != null) request.parallel_tool_calls = wire.parallel_tool_calls;
  if (wire.text?.format !== undefined) request.response_format = formatFromWire(wire.text.format);
  if (wire.reasoning?.effort != null) request.reasoning_effort = wire.reasoning.effort;
  if (wire.user != null) request.user = wire.user;
  if (wire.prompt_cache_key != null) request.prompt_cache_key = wire.prompt_cache_key;
  return {
    request,
    stream: wire.stream === true,
    customTools: custom,
    namespaces,
    droppedTools: hosted.dropped,
    echo: settingsEcho(wire),
    ...(compactionTurn ? { compactionTurn: true as const } : {}),
    ...(anthropicCompaction !== undefined ? { betas: [anthropicCompaction.beta] } : {}),
    ...(needsCounted !== undefined ? { needsCounted } : {}),
  };
}
