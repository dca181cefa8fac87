// Bedrock's front door on the simulator: `POST /model/{modelId}/converse` and `/converse-stream`, each request's SigV4
// signature recomputed with the scenario key's `aws_secret` (Smithy's signer, as the AWS SDK signs) and compared, or a
// Bedrock API key as Bearer; and the Converse body read into the facts the simulator acts on, with the checks Bedrock
// makes (roles alternating from a user turn, as many toolResult blocks as the turn before had toolUse ones).
import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { isObject, jsonObjectOf, type Json } from '../../json.ts';
import {
  emptySimRequest,
  instructedFormat,
  type RequestProblem,
  type SimMessage,
  type SimRequest,
  type ToolChoice,
} from '../../request.ts';
import type { Scenario } from '../../scenario.ts';
import { simSignature, thinkingOf } from '../../thinking.ts';

export interface BedrockCall {
  model: string;
  stream: boolean;
}

export const BEDROCK_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

export function bedrockCall(pathname: string): BedrockCall | undefined {
  const m = BEDROCK_PATH.exec(pathname);
  return m ? { model: decodeURIComponent(m[1]!), stream: m[2] === 'converse-stream' } : undefined;
}

/** Who signed the request and for which region (and whether the session it carries has expired, which the call
 * book records as `token_expired`), or AWS's refusal: `[exception name, message]`. */
export type SignatureCheck = { key: string; region: string; expired?: true } | { refused: [string, string] };

/** What the simulator knows of an access key id: its secret, the session token a request must carry, and whether
 * that session has expired (a scenario key's, or a session its STS issued: sts/service.ts). */
export interface AwsSecretEntry {
  secret: string;
  sessionToken?: string;
  expired?: boolean;
}

export type AwsSecretLookup = (accessKeyId: string) => AwsSecretEntry | undefined;

/** The scenario's keys that carry an `aws_secret`. */
export const scenarioSecrets =
  (scenario: Scenario): AwsSecretLookup =>
  (id) => {
    const entry = scenario.keys[id];
    if (entry?.aws_secret === undefined) return undefined;
    return entry.aws_session_token !== undefined
      ? { secret: entry.aws_secret, sessionToken: entry.aws_session_token }
      : { secret: entry.aws_secret };
  };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;

const INVALID_TOKEN: [string, string] = [
  'UnrecognizedClientException',
  'The security token included in the request is invalid.',
];

export async function checkSignature(
  req: IncomingMessage,
  body: string,
  lookup: AwsSecretLookup,
): Promise<SignatureCheck> {
  const authorization = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
  if (bearer !== undefined) return { key: bearer, region: '' };
  const m = AUTH.exec(authorization);
  if (m === null)
    return {
      refused: [
        authorization === '' ? 'MissingAuthenticationTokenException' : 'IncompleteSignatureException',
        authorization === ''
          ? 'Missing Authentication Token'
          : 'Authorization header requires a valid SigV4 signature.',
      ],
    };
  const [, accessKeyId, , region, service, signedHeaders, signature] = m;
  const entry = lookup(accessKeyId!);
  const token = req.headers['x-amz-security-token'];
  if (entry === undefined || entry.sessionToken !== (typeof token === 'string' ? token : undefined))
    return { refused: INVALID_TOKEN };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const amzDate = headers['x-amz-date'] ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (date === null) return { refused: ['IncompleteSignatureException', 'X-Amz-Date is missing or malformed.'] };
  const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  const url = new URL(req.url ?? '/', 'http://sim');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey: entry.secret,
      ...(typeof token === 'string' ? { sessionToken: token } : {}),
    },
    region: region!,
    service: service!,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const [host, port] = (headers['host'] ?? '').split(':');
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: host ?? '',
      ...(port ? { port: Number(port) } : {}),
      path: url.pathname,
      query,
      headers,
      body,
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization']))?.[1];
  if (expected !== signature)
    return {
      refused: [
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      ],
    };
  return entry.expired === true
    ? { key: accessKeyId!, region: region!, expired: true }
    : { key: accessKeyId!, region: region! };
}

const blocks = (m: Json): Json[] => (Array.isArray(m['content']) ? m['content'].filter(isObject) : []);

function textOf(content: Json[]): string {
  return content
    .map((b) => {
      if (typeof b['text'] === 'string') return b['text'];
      const result = b['toolResult'];
      if (isObject(result) && Array.isArray(result['content']))
        return result['content']
          .map((c: unknown) => (isObject(c) && typeof c['text'] === 'string' ? c['text'] : JSON.stringify(c)))
          .join('\n');
      return '';
    })
    .filter((t) => t !== '')
    .join('\n');
}

const TOP_FIELDS = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
]);

/** A reasoningContent block whose signature the simulator did not give its text, as Bedrock refuses one. */
function signatureProblem(messages: Json[]): string | undefined {
  for (const [i, m] of messages.entries())
    for (const [j, b] of blocks(m).entries()) {
      const r = b['reasoningContent'];
      const t = isObject(r) ? r['reasoningText'] : undefined;
      if (!isObject(t)) continue;
      if (t['signature'] !== simSignature(typeof t['text'] === 'string' ? t['text'] : ''))
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
    }
  return undefined;
}

function problemOf(body: Json, messages: Json[]): RequestProblem | undefined {
  const invalid = (detail: string): RequestProblem => ({ error: 'invalid_body', detail });
  const signature = signatureProblem(messages);
  if (signature !== undefined) return invalid(signature);
  for (const k of Object.keys(body))
    if (!TOP_FIELDS.has(k))
      return invalid(
        `Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`,
      );
  if (messages.length === 0)
    return invalid(
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  for (const [i, m] of messages.entries()) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (m['role'] !== expected)
      return invalid(
        i === 0
          ? 'A conversation must start with a user message. Try again with a conversation that starts with a user message.'
          : 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
    if (blocks(m).length === 0)
      return invalid(
        `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`,
      );
    const results = blocks(m).filter((b) => isObject(b['toolResult'])).length;
    const uses = i === 0 ? 0 : blocks(messages[i - 1]!).filter((b) => isObject(b['toolUse'])).length;
    if (results > 0 && results !== uses)
      return invalid(
        `The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`,
      );
  }
  return undefined;
}

function toolChoiceOf(config: unknown): ToolChoice {
  const choice = isObject(config) ? config['toolChoice'] : undefined;
  if (!isObject(choice)) return 'auto';
  if (isObject(choice['any'])) return 'any';
  const tool = choice['tool'];
  return isObject(tool) && typeof tool['name'] === 'string' ? { name: tool['name'] } : 'auto';
}

export function parseBedrockRequest(key: string | undefined, raw: string, call: BedrockCall): SimRequest {
  const request = emptySimRequest('anthropic', key, call);
  const body = jsonObjectOf(raw);
  if (typeof body === 'string')
    return {
      ...request,
      problem: { error: 'invalid_body', detail: 'Malformed input request, please reformat your input and try again.' },
    };
  const raws = Array.isArray(body['messages']) ? body['messages'].filter(isObject) : [];
  const system = Array.isArray(body['system']) ? textOf(body['system'].filter(isObject)) : '';
  const messages: SimMessage[] = raws.map((m) => ({
    role: String(m['role']),
    text: textOf(blocks(m)),
    toolResult: blocks(m).length > 0 && blocks(m).every((b) => isObject(b['toolResult'])),
  }));
  const config = isObject(body['toolConfig']) ? body['toolConfig'] : {};
  const specs = (Array.isArray(config['tools']) ? config['tools'].filter(isObject) : [])
    .map((t) => t['toolSpec'])
    .filter(isObject);
  const toolSchemas = new Map<string, unknown>();
  for (const s of specs) {
    const schema = isObject(s['inputSchema']) ? s['inputSchema']['json'] : undefined;
    if (typeof s['name'] === 'string' && isObject(schema)) toolSchemas.set(s['name'], schema);
  }
  const inference = isObject(body['inferenceConfig']) ? body['inferenceConfig'] : {};
  const extra = isObject(body['additionalModelRequestFields']) ? body['additionalModelRequestFields'] : {};
  const max = inference['maxTokens'];
  Object.assign(request, {
    system,
    messages,
    tools: specs.map((s) => String(s['name'])),
    toolSchemas,
    toolChoice: toolChoiceOf(config),
    responseFormat: instructedFormat(system),
    maxTokens: typeof max === 'number' && max > 0 ? max : undefined,
    stopSequences: Array.isArray(inference['stopSequences'])
      ? inference['stopSequences'].filter((s) => typeof s === 'string')
      : [],
    body,
    promptTexts: [system, ...messages.map((m) => m.text)].filter((t) => t !== ''),
    images: raws.flatMap(blocks).filter((b) => isObject(b['image'])).length,
    fields: [
      ...Object.keys(body).filter((k) => k !== 'messages'),
      ...Object.keys(inference).map((k) => `inferenceConfig.${k}`),
      ...Object.keys(extra).map((k) => `additionalModelRequestFields.${k}`),
    ].sort(),
    roles: raws.map((m) => String(m['role'])),
    thinking: thinkingOf({ thinking: extra['thinking'] ?? null }),
    cacheMarks: [...raws.flatMap(blocks), ...(Array.isArray(body['system']) ? body['system'] : [])].filter(
      (b) => isObject(b) && isObject(b['cachePoint']),
    ).length,
  });
  request.promptTokens = Math.ceil((system.length + messages.reduce((n, m) => n + m.text.length, 0)) / 4);
  request.problem = problemOf(body, raws);
  return request;
}
