// Reading a Gemini `generateContent` request (the Gemini API's and Vertex AI's) into the facts the simulator acts on,
// with the checks Gemini makes: only the fields it knows, `user`/`model` turns with parts, as many function responses
// as the turn before called, and — for Gemini 3 models — every function call of the current turn carrying the
// thought signature the simulator gave it.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isObject, jsonObjectOf, type Json } from '../../json.ts';
import {
  emptySimRequest,
  type RequestProblem,
  type SimMessage,
  type SimRequest,
  type ToolChoice,
} from '../../request.ts';

/** A Gemini call: the model from the path, streamed or not from the method. */
export interface GeminiCall {
  model: string;
  stream: boolean;
}

export const GEMINI_PATH = /^\/v1(?:beta)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export function geminiCall(pathname: string): GeminiCall | undefined {
  const m = GEMINI_PATH.exec(pathname);
  return m ? { model: decodeURIComponent(m[1]!), stream: m[2] === 'streamGenerateContent' } : undefined;
}

/** The Gemini API's key: `x-goog-api-key`, or `?key=`. */
export function geminiKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-goog-api-key'];
  const key = (typeof header === 'string' ? header.trim() : '') || url.searchParams.get('key') || '';
  return key === '' ? undefined : key;
}

/** The signature the simulator gives a function call, tied to its name so one moved to another call fails. */
export function simThoughtSignature(name: string): string {
  return createHash('sha256').update(`switchyard-sim-thought\u0000${name}`).digest('base64');
}

const TOP_FIELDS = new Set([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
  'cachedContent',
  'labels',
]);
const GENERATION_FIELDS = new Set([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'thinkingConfig',
  'mediaResolution',
  'responseModalities',
]);

const partsOf = (content: Json): Json[] => (Array.isArray(content['parts']) ? content['parts'].filter(isObject) : []);

function textOfParts(parts: Json[]): string {
  return parts
    .map((p) => {
      if (typeof p['text'] === 'string' && p['thought'] !== true) return p['text'];
      const response = p['functionResponse'];
      if (isObject(response)) return JSON.stringify(response['response'] ?? {});
      return '';
    })
    .filter((t) => t !== '')
    .join('\n');
}

const unknownField = (name: string): RequestProblem => ({
  error: 'invalid_body',
  detail: `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`,
});

function fieldProblem(body: Json): RequestProblem | undefined {
  for (const k of Object.keys(body)) if (!TOP_FIELDS.has(k)) return unknownField(k);
  const g = body['generationConfig'];
  if (isObject(g))
    for (const k of Object.keys(g)) if (!GENERATION_FIELDS.has(k)) return unknownField(`generationConfig.${k}`);
  return undefined;
}

/** What Gemini refuses in `contents`, in its words. */
function contentsProblem(contents: Json[], model: string): string | undefined {
  if (contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  for (const [i, c] of contents.entries()) {
    if (c['role'] !== 'user' && c['role'] !== 'model') return 'Please use a valid role: user, model.';
    if (partsOf(c).length === 0)
      return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
  }
  for (const [i, c] of contents.entries()) {
    const responses = partsOf(c).filter((p) => isObject(p['functionResponse'])).length;
    if (responses === 0) continue;
    const calls = i === 0 ? 0 : partsOf(contents[i - 1]!).filter((p) => isObject(p['functionCall'])).length;
    if (responses !== calls)
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
  }
  return /^gemini-3/.test(model) ? signatureProblem(contents) : undefined;
}

/** Gemini 3 checks the signatures of the current turn: from the last user turn that is not function responses on. */
function signatureProblem(contents: Json[]): string | undefined {
  const start = contents.findLastIndex(
    (c) => c['role'] === 'user' && partsOf(c).some((p) => typeof p['text'] === 'string'),
  );
  for (let i = Math.max(0, start); i < contents.length; i++) {
    const c = contents[i]!;
    if (c['role'] !== 'model') continue;
    const first = partsOf(c).find((p) => isObject(p['functionCall']));
    if (first === undefined) continue;
    const call = first['functionCall'] as Json;
    if (first['thoughtSignature'] !== simThoughtSignature(String(call['name'])))
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(call['name'])}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
  }
  return undefined;
}

function toolChoiceOf(body: Json): ToolChoice {
  const config = body['toolConfig'];
  const fc = isObject(config) ? config['functionCallingConfig'] : undefined;
  if (!isObject(fc)) return 'auto';
  if (fc['mode'] === 'NONE') return 'none';
  if (fc['mode'] !== 'ANY') return 'auto';
  return namedOrAny(fc['allowedFunctionNames']);
}

const namedOrAny = (allowed: unknown): ToolChoice =>
  Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === 'string' ? { name: allowed[0] } : 'any';

function toolsOf(body: Json): Pick<SimRequest, 'tools' | 'toolSchemas'> {
  const declarations = (Array.isArray(body['tools']) ? body['tools'].filter(isObject) : []).flatMap((t) =>
    Array.isArray(t['functionDeclarations']) ? t['functionDeclarations'].filter(isObject) : [],
  );
  const toolSchemas = new Map<string, unknown>();
  const tools: string[] = [];
  for (const d of declarations) {
    if (typeof d['name'] !== 'string') continue;
    tools.push(d['name']);
    const schema = d['parametersJsonSchema'] ?? d['parameters'];
    if (isObject(schema)) toolSchemas.set(d['name'], schema);
  }
  return { tools, toolSchemas };
}

function thinkingOf(g: Json): SimRequest['thinking'] {
  const t = g['thinkingConfig'];
  if (!isObject(t)) return 'off';
  const on = (typeof t['thinkingBudget'] === 'number' && t['thinkingBudget'] !== 0) || t['thinkingLevel'] !== undefined;
  if (!on) return 'off';
  return t['includeThoughts'] === true ? 'shown' : 'omitted';
}

export function parseGeminiRequest(key: string | undefined, rawBody: string, call: GeminiCall): SimRequest {
  const request = emptySimRequest('openai', key, call);
  const body = jsonObjectOf(rawBody);
  if (typeof body === 'string')
    return { ...request, problem: { error: 'invalid_body', detail: 'Invalid JSON payload received.' } };
  const contents = Array.isArray(body['contents']) ? body['contents'].filter(isObject) : [];
  const system = isObject(body['systemInstruction']) ? textOfParts(partsOf(body['systemInstruction'])) : '';
  const messages: SimMessage[] = contents.map((c) => {
    const parts = partsOf(c);
    return {
      role: c['role'] === 'model' ? 'assistant' : 'user',
      text: textOfParts(parts),
      toolResult: parts.length > 0 && parts.every((p) => isObject(p['functionResponse'])),
    };
  });
  const g = isObject(body['generationConfig']) ? body['generationConfig'] : {};
  const max = g['maxOutputTokens'];
  const schema = g['responseJsonSchema'] ?? g['responseSchema'];
  Object.assign(request, {
    system,
    messages,
    ...toolsOf(body),
    toolChoice: toolChoiceOf(body),
    maxTokens: typeof max === 'number' && max > 0 ? max : undefined,
    stopSequences: Array.isArray(g['stopSequences']) ? g['stopSequences'].filter((s) => typeof s === 'string') : [],
    responseFormat:
      g['responseMimeType'] === 'application/json'
        ? isObject(schema)
          ? { kind: 'json_schema', schema }
          : { kind: 'json_object' }
        : undefined,
    thinking: thinkingOf(g),
    body,
    promptTexts: [system, ...messages.map((m) => m.text)].filter((t) => t !== ''),
    images: contents.flatMap(partsOf).filter((p) => isObject(p['inlineData']) || isObject(p['fileData'])).length,
    fields: [
      ...Object.keys(body).filter((k) => k !== 'contents'),
      ...Object.keys(g).map((k) => `generationConfig.${k}`),
    ].sort(),
    roles: contents.map((c) => String(c['role'])),
  });
  request.promptTokens = Math.ceil((system.length + messages.reduce((n, m) => n + m.text.length, 0)) / 4);
  const detail = contentsProblem(contents, call.model);
  request.problem = fieldProblem(body) ?? (detail === undefined ? undefined : { error: 'invalid_body', detail });
  return request;
}
