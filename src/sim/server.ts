// The simulator's HTTP server, on plain node:http for socket-level control (resets, cuts, stalls); its endpoints are
// in docs/simulator.md#endpoints.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallBook } from './call-book.ts';
import { control } from './control.ts';
import { holdIdleConnections } from './idle-hold.ts';
import { decide } from './decide.ts';
import { KeyStates } from './key-state.ts';
import { listModels, listingKey, apiOfModelsRequest } from './models-list.ts';
import { modelLimitProblem } from './model-limits.ts';
import { keyOf, parseChatRequest, readBody, type SimRequest } from './request.ts';
import { respond, type RespondContext } from './respond.ts';
import type { SimBilled } from './billing.ts';
import { promptCacheUsage } from './prompt-cache.ts';
import { renderError, openAiErrorBody, anthropicErrorBody, type HttpReply } from './errors.ts';
import { resolveScenario } from './scenario-load.ts';
import { countPromptTokens } from '../calls/count-tokens.ts';
import { OAuthEndpoint, OAUTH2_TOKEN_PATH } from './fronts/oauth2/service.ts';
import { localUrlFor } from '../config/listen.ts';
import { AZURE_MODELS, azureChat, missingApiVersion, type AzureCall } from './fronts/azure/answer.ts';
import { geminiCall, geminiKey, parseGeminiRequest, type GeminiCall } from './fronts/gemini/request.ts';
import { googleModelList, type GeminiMeta } from './fronts/gemini/answer.ts';
import { anthropicOnVertex, vertexCall, type VertexCall } from './fronts/vertex/request.ts';
import {
  bedrockCall,
  checkSignature,
  parseBedrockRequest,
  scenarioSecrets,
  type BedrockCall,
} from './fronts/bedrock/request.ts';
import { bedrockModelList, signatureRefusal } from './fronts/bedrock/answer.ts';
import { StsEndpoint, stsSignatureRefusal } from './fronts/sts/service.ts';
import type { StepName } from './steps.ts';
import type { WebSocketServer } from 'ws';
import { behaviourOf } from './decide.ts';
import { mask } from '../config/mask.ts';
import { ResponseStore } from './fronts/responses/store.ts';
import { parseResponsesBody, parseResponsesRequest, type ResponsesCall } from './fronts/responses/request.ts';
import { numbering, responseId, warmUpEvents } from './fronts/responses/answer.ts';
import type { ResponsesAnswer } from './respond.ts';
import { respondOnSocket } from './fronts/responses/respond-socket.ts';
import { installResponsesSocket, type SocketConnection, type SocketTurns } from './fronts/responses/socket.ts';

/** Where a call came in, beside its body: what decides and records it. */
interface CallSite {
  api: ApiName;
  path: string;
  anthropicBeta?: string | string[] | undefined;
  /** A Bedrock call's signature, checked: its key, region and expiry. */
  signed?: { key: string; region: string; expired?: boolean };
  region?: string;
  /** A turn of the Responses API's WebSocket mode: its connection's number. */
  websocket?: number;
}

/** A chat call at another front door than OpenAI's or Anthropic's own: Azure's paths, or Gemini's. */
interface ChatDialect {
  azure?: AzureCall;
  gemini?: { call: GeminiCall; key: string | undefined; service: GeminiMeta['service'] };
  /** An Anthropic model on Vertex AI. */
  vertexClaude?: VertexCall;
  bedrock?: BedrockCall;
  /** Vertex's location, for the scenario's `regions:` (Bedrock's is its signature's). */
  region?: string;
}
import type { ApiName, Scenario, ScenarioInput } from './scenario.ts';
import type { RunningSimulator, SimCallRecord } from './types.ts';

export { loadScenario, parseScenarioText, resolveScenario } from './scenario-load.ts';
export { scenarioSchema, type Scenario, type ScenarioInput } from './scenario.ts';

export interface SimulatorOptions {
  /** A scenario object, YAML text, or the path of a YAML file. */
  scenario: Scenario | ScenarioInput | string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port; read it from the handle). */
  port?: number;
  /** Called for every chat call, as it is decided, with the scenario it was decided by (the CLI prints them, keys
   * masked and told apart among that scenario's keys). */
  onCall?: (call: SimCallRecord, scenario: Scenario) => void;
  /** How long a Responses WebSocket connection lasts (default an hour, as OpenAI's): a test's shorter limit. */
  socketMaxMs?: number;
}

const METADATA_TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const METADATA_CLIENT = 'metadata';

const CHAT_ROUTES: Record<string, ApiName> = { '/v1/chat/completions': 'openai', '/v1/messages': 'anthropic' };

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  let scenario = resolveScenario(options.scenario);
  const states = new KeyStates(scenario.seed);
  const oauth = new OAuthEndpoint(scenario);
  const sts = new StsEndpoint();
  /** Regions down or throttled: the scenario's `regions:`, changed at run time by PUT /_sim/regions. */
  let regions: Record<string, StepName> = { ...scenario.regions };
  const book = new CallBook();
  /** Responses kept for `previous_response_id`; a reset forgets them. */
  const stored = new ResponseStore();
  const closing = new AbortController();
  /** Numbers the ids of answers (`req_sim_N`, `chatcmpl-sim-N`, `call_sim_N`, …). Never reset: an id names one
   * call for the life of the simulator, so a client's log stays unambiguous across /_sim/reset and new scenarios. */
  let seq = 0;
  /** Every chat call since start; `book` counts only since the last reset. */
  let served = 0;

  const reset = (): void => {
    book.clear();
    stored.clear();
    states.clear(scenario.seed);
    oauth.reset(scenario);
    sts.reset();
    regions = { ...scenario.regions };
  };
  const setScenario = (next: Scenario | ScenarioInput | string): void => {
    scenario = resolveScenario(next);
    reset();
  };
  const awsSecrets = () => sts.lookup(scenarioSecrets(scenario), Date.now);
  const target = {
    book,
    scenario: () => scenario,
    setScenario,
    reset,
    oauth,
    sts,
    regions: () => regions,
    setRegions: (next: Record<string, StepName>) => {
      regions = next;
    },
  };

  async function chat(
    req: IncomingMessage,
    res: ServerResponse,
    api: ApiName,
    path: string,
    dialect: ChatDialect = {},
  ): Promise<void> {
    const { azure, gemini, vertexClaude, bedrock } = dialect;
    let body = await readBody(req);
    // Bedrock's signature is checked before anything else, as AWS does.
    const signed = bedrock !== undefined ? await checkSignature(req, body, awsSecrets()) : undefined;
    if (signed !== undefined && 'refused' in signed) return send(res, signatureRefusal(signed.refused));
    let vertexProblem: string | undefined;
    if (vertexClaude !== undefined) {
      const read = anthropicOnVertex(body, vertexClaude.model);
      if ('body' in read) body = read.body;
      else vertexProblem = read.problem;
    }
    const key = signed !== undefined ? signed.key : gemini !== undefined ? gemini.key : keyOf(req, api);
    const version = req.headers['anthropic-version'];
    const request =
      bedrock !== undefined
        ? parseBedrockRequest(key, body, bedrock)
        : gemini !== undefined
          ? parseGeminiRequest(key, body, gemini.call)
          : parseChatRequest(
              api,
              key,
              body,
              vertexClaude !== undefined ? 'vertex' : typeof version === 'string' ? version : undefined,
              typeof req.headers['anthropic-beta'] === 'string' ? req.headers['anthropic-beta'] : undefined,
            );
    if (vertexClaude !== undefined) {
      request.model = vertexClaude.model;
      if (vertexProblem !== undefined) request.problem = { error: 'invalid_body', detail: vertexProblem };
    }
    // Azure's deployments API serves the deployment the path names, whatever the body says.
    if (azure?.deployment !== undefined) request.model = azure.deployment;
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    await serveCall(
      request,
      {
        api,
        path,
        anthropicBeta: req.headers['anthropic-beta'],
        ...(signed !== undefined ? { signed } : {}),
        ...(dialect.region !== undefined ? { region: dialect.region } : {}),
      },
      gone.signal,
      (ctx) =>
        respond(req, res, {
          ...ctx,
          ...(azure !== undefined ? { azure: true } : {}),
          ...(gemini !== undefined ? { gemini: gemini.service } : {}),
          ...(vertexClaude !== undefined ? { googleFront: true } : {}),
          ...(bedrock !== undefined ? { bedrock: true } : {}),
        }),
    );
  }

  /** Decides a parsed call (its key, its body's problems, the scenario's faults), records it, has `answer` carry the
   * decision out on its transport, and books what that billed. */
  async function serveCall(
    request: SimRequest,
    at: CallSite,
    gone: AbortSignal,
    answer: (ctx: RespondContext) => Promise<SimBilled | null>,
  ): Promise<void> {
    const { key } = request;
    const { api, signed } = at;
    // A body the API accepts can still ask the served model for more output than it may write.
    request.problem ??= modelLimitProblem(
      api,
      request.body,
      request.model,
      request.model === undefined ? undefined : scenario.models[request.model],
    );
    const now = Date.now();
    const token = oauth.check(key, now);
    // A session STS issued behaves as the key that assumed the role.
    const assumedBy = key === undefined ? undefined : sts.signerOf(key);
    const region = signed !== undefined ? signed.region : at.region;
    const regionStep = region === undefined ? undefined : regions[region];
    const decision = decide(scenario, states, {
      api,
      key,
      model: request.model,
      promptTokens: request.promptTokens,
      now,
      ...(token.issued
        ? {
            issued:
              token.problem !== undefined ? { client: token.client, problem: token.problem } : { client: token.client },
          }
        : {}),
      ...(request.problem ? { requestProblem: request.problem.error } : {}),
      // A session past its expiry, well signed, is answered ExpiredTokenException (bedrock.ts), as AWS does.
      ...(assumedBy !== undefined
        ? {
            issued:
              signed?.expired === true
                ? { client: assumedBy, problem: 'token_expired' as const }
                : { client: assumedBy },
          }
        : {}),
      ...(regionStep !== undefined ? { regionStep } : {}),
    });
    // Counted as real models count, when asked; before the prompt cache, which cannot read more than the prompt.
    if (decision.answer.tokenCount === 'o200k') request.promptTokens = countPromptTokens(request.promptTexts);
    // A call that gets (some of) an answer went through the model, so it reads and fills the account's prompt cache.
    const answered = !['error', 'reset', 'timeout'].includes(decision.action.kind);
    const cache =
      answered && decision.answer.promptCache && key !== undefined
        ? {
            cache: promptCacheUsage(
              request,
              states.cacheOf(scenario.keys[key]?.account ?? key),
              now,
              decision.answer.promptCacheTtl,
            ),
          }
        : {};
    const call: SimCallRecord = {
      at: now,
      key: key ?? '',
      model: request.model ?? '',
      api,
      path: at.path,
      stream: request.stream,
      status: statusOf(decision.action, api),
      outcome: decision.outcome,
      images: request.images,
      fields: request.fields,
      cache_marks: request.cacheMarks,
      anthropic_beta: typeof at.anthropicBeta === 'string' ? at.anthropicBeta : null,
      roles: request.roles,
      billed: null,
      ended: false,
      ...(cache.cache !== undefined ? { prompt_cache: { ...cache.cache } } : {}),
      ...(at.websocket !== undefined ? { websocket: at.websocket } : {}),
    };
    book.record(call);
    served++;
    options.onCall?.(call, scenario);
    const bill = await answer({
      request,
      decision,
      seq: ++seq,
      seed: scenario.seed,
      signal: AbortSignal.any([closing.signal, gone]),
      ...cache,
    });
    book.settle(call, bill);
  }

  /** What a Responses call is answered with: its object's facts, and the store it is kept in. */
  function responsesAnswer(
    call: ResponsesCall,
    seq: number,
    compact: boolean,
    conn?: SocketConnection,
  ): ResponsesAnswer {
    const meta = {
      seq,
      model: call.request.model ?? '',
      created: Math.floor(Date.now() / 1000),
      echo: call.echo,
      encryptedReasoning: call.encryptedReasoning,
    };
    return {
      meta,
      ...(compact ? { compact: call.items } : {}),
      keep: (output) => {
        const items = [...call.items, ...output];
        if (conn !== undefined) conn.last = { id: responseId(seq), items };
        if (call.store) stored.keep(call.request.key, responseId(seq), items);
      },
    };
  }

  /** POST /v1/responses and /v1/responses/compact (a compaction is never streamed). */
  async function responses(req: IncomingMessage, res: ServerResponse, path: string, compact: boolean): Promise<void> {
    const key = keyOf(req, 'openai');
    const call = parseResponsesRequest(key, await readBody(req), (id) => stored.get(key, id));
    if (compact) call.request.stream = false;
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    await serveCall(call.request, { api: 'openai', path }, gone.signal, (ctx) =>
      respond(req, res, { ...ctx, responses: responsesAnswer(call, ctx.seq, compact) }),
    );
  }

  /** The WebSocket mode's side of the simulator: the upgrade's key check, and each turn decided as a call. */
  const socketTurns: SocketTurns = {
    refusal(req) {
      const key = keyOf(req, 'openai');
      const token = oauth.check(key, Date.now());
      const issued = token.issued ? { client: token.client } : undefined;
      if (key === undefined) return renderError('openai', 'missing_key', { promptTokens: 0 });
      // An issued token that expired or was invalidated is refused as an HTTP request with it would be.
      if (token.issued && token.problem !== undefined) return renderError('openai', token.problem, { promptTokens: 0 });
      const behaviour = behaviourOf(scenario, key, issued);
      if (behaviour === undefined || !behaviour.valid)
        return renderError('openai', 'invalid_key', { maskedKey: mask(key), promptTokens: 0 });
      return undefined;
    },
    async turn(req, create, conn) {
      const key = keyOf(req, 'openai');
      const earlier = (id: string) => (conn.last?.id === id ? conn.last.items : stored.get(key, id));
      const call = parseResponsesBody(key, create, earlier);
      if (create['generate'] === false) return warmUp(call, conn);
      // Every turn on the socket is streamed.
      call.request.stream = true;
      await serveCall(
        call.request,
        { api: 'openai', path: '/v1/responses', websocket: conn.number },
        conn.signal,
        (ctx) => respondOnSocket(conn, { ...ctx, responses: responsesAnswer(call, ctx.seq, false, conn) }),
      );
    },
  };

  /** `generate: false`: the response is kept for the next turn, and no model is called (nor a call counted). */
  async function warmUp(call: ResponsesCall, conn: SocketConnection): Promise<void> {
    const answer = responsesAnswer(call, ++seq, false, conn);
    answer.keep([]);
    const number = numbering();
    for (const frame of warmUpEvents(answer.meta)) await conn.send(number(frame).data);
  }

  async function tokenRequest(req: IncomingMessage): Promise<HttpReply> {
    const body = await readBody(req);
    const form = /json/i.test(req.headers['content-type'] ?? '') ? jsonForm(body) : new URLSearchParams(body);
    return oauth.token(scenario, form, req.headers.authorization, Date.now, closing.signal);
  }

  /** Google's metadata server (docs/simulator.md#oauth2): the instance's service account is the scenario's OAuth2
   * client `metadata`, its tokens issued like that client's (expiry, counts, invalidation). */
  async function metadataToken(req: IncomingMessage): Promise<HttpReply> {
    await readBody(req);
    if (req.headers['metadata-flavor'] !== 'Google')
      return { status: 403, contentType: 'text/html', body: 'Missing required header: Metadata-Flavor' };
    if (scenario.oauth2.clients[METADATA_CLIENT] === undefined)
      return { status: 404, contentType: 'text/html', body: 'No service account is attached to this instance' };
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: METADATA_CLIENT });
    return oauth.token(scenario, form, undefined, Date.now, closing.signal);
  }

  /** AWS STS (sts.ts): signed like any AWS call, by a scenario key or a session it issued. */
  async function stsRequest(req: IncomingMessage): Promise<HttpReply> {
    const body = await readBody(req);
    const signed = await checkSignature(req, body, awsSecrets());
    if ('refused' in signed) return stsSignatureRefusal(signed.refused);
    if (signed.expired === true)
      return stsSignatureRefusal(['ExpiredTokenException', 'The security token included in the request is expired']);
    return sts.answer(new URLSearchParams(body), signed.key, scenario.sts.session / 1000, Date.now());
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname === '/v1/responses' && req.method === 'POST') return responses(req, res, url.pathname, false);
    if (url.pathname === '/v1/responses/compact' && req.method === 'POST')
      return responses(req, res, url.pathname, true);
    const api = CHAT_ROUTES[url.pathname];
    if (api && req.method === 'POST') return chat(req, res, api, url.pathname);
    const azure = req.method === 'POST' ? azureChat(url.pathname) : undefined;
    if (azure !== undefined) {
      const missing = missingApiVersion(url, azure);
      if (missing === undefined) return chat(req, res, 'openai', url.pathname, { azure });
      await readBody(req);
      return send(res, missing);
    }
    const bedrock = req.method === 'POST' ? bedrockCall(url.pathname) : undefined;
    if (bedrock !== undefined) return chat(req, res, 'anthropic', url.pathname, { bedrock });
    const vertex = req.method === 'POST' ? vertexCall(url.pathname) : undefined;
    if (vertex !== undefined) {
      if (vertex.publisher === 'anthropic')
        return chat(req, res, 'anthropic', url.pathname, { vertexClaude: vertex, region: vertex.region });
      const call = { model: vertex.model, stream: vertex.method === 'streamGenerateContent' };
      return chat(req, res, 'openai', url.pathname, {
        gemini: { call, key: keyOf(req, 'openai'), service: 'aiplatform.googleapis.com' },
        region: vertex.region,
      });
    }
    const gemini = req.method === 'POST' ? geminiCall(url.pathname) : undefined;
    if (gemini !== undefined)
      return chat(req, res, 'openai', url.pathname, {
        gemini: { call: gemini, key: geminiKey(req, url), service: 'generativelanguage.googleapis.com' },
      });
    // The Google lists check the key or token as a chat would: they are how `auth test` proves one.
    const refused = (key: string | undefined) => {
      const checked = listingKey(key, scenario, oauth, 'openai');
      return 'refused' in checked ? checked.refused : undefined;
    };
    if (/^\/v1beta1\/publishers\/[^/]+\/models$/.test(url.pathname) && req.method === 'GET')
      return send(res, googleModelList(scenario, refused(keyOf(req, 'openai')), 'aiplatform.googleapis.com'));
    if (/^\/v1(beta)?\/models$/.test(url.pathname) && req.method === 'GET' && geminiKey(req, url) !== undefined)
      return send(res, googleModelList(scenario, refused(geminiKey(req, url)), 'generativelanguage.googleapis.com'));
    if (AZURE_MODELS.includes(url.pathname) && req.method === 'GET')
      return send(res, listModels(req, scenario, undefined, oauth));
    if (url.pathname === OAUTH2_TOKEN_PATH && req.method === 'POST') return send(res, await tokenRequest(req));
    if (url.pathname === '/' && req.method === 'POST') return send(res, await stsRequest(req));
    if (url.pathname === METADATA_TOKEN_PATH && req.method === 'GET') return send(res, await metadataToken(req));
    if (url.pathname === '/federation/credentials' && req.method === 'GET') {
      await readBody(req);
      const token = req.headers['x-amz-sso_bearer_token'];
      const known = (key: string): boolean => scenario.keys[key] !== undefined;
      return send(
        res,
        sts.ssoCredentials(
          url,
          typeof token === 'string' ? token : undefined,
          known,
          scenario.sts.session / 1000,
          Date.now(),
        ),
      );
    }
    if ((url.pathname === '/foundation-models' || url.pathname === '/inference-profiles') && req.method === 'GET') {
      const signed = await checkSignature(req, await readBody(req), awsSecrets());
      if ('refused' in signed) return send(res, signatureRefusal(signed.refused));
      if (signed.expired === true)
        return send(
          res,
          signatureRefusal(['ExpiredTokenException', 'The security token included in the request is expired']),
        );
      return send(res, bedrockModelList(url.pathname, scenario));
    }
    if (url.pathname.startsWith('/_sim/')) return send(res, await control(req, url, target));
    const modelsMatch = /^\/v1\/models(?:\/(.+))?$/.exec(url.pathname);
    if (modelsMatch && req.method === 'GET')
      return send(res, listModels(req, scenario, modelsMatch[1] && decodeURIComponent(modelsMatch[1]), oauth));
    await readBody(req);
    send(res, unknownRoute(req, url));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the simulator, not a scripted fault: say so plainly.
      if (!res.headersSent)
        send(res, {
          status: 500,
          contentType: 'text/plain',
          body: `simulator error: ${err instanceof Error ? err.message : String(err)}`,
        });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  holdIdleConnections(server);
  const sockets = installResponsesSocket(server, socketTurns, options.socketMaxMs);
  await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const address = server.address() as AddressInfo;
  // A bind to every interface is reached on loopback, as the gateway prints it (0.0.0.0 is not connectable everywhere).
  const url = localUrlFor(address.address, address.port);

  return {
    url,
    port: address.port,
    calls: (key, model) => book.calls(key, model),
    served: () => served,
    log: () => book.log(),
    billed: (key) => book.billed(key),
    reset,
    setScenario,
    scenario: () => scenario,
    oauth2: () => oauth.counts(),
    invalidateTokens: (client) => oauth.invalidate(client),
    sts: () => sts.counts(),
    expireSessions: () => sts.expireAll(Date.now()),
    setRegions: target.setRegions,
    close: () => close(server, closing, sockets),
    [Symbol.asyncDispose]: () => close(server, closing, sockets),
  };
}

/** A token request sent as JSON (some clients do): its fields as a form. */
function jsonForm(body: string): URLSearchParams {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return new URLSearchParams();
    return new URLSearchParams(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new URLSearchParams();
  }
}

function statusOf(action: { kind: string; error?: string }, api: ApiName): number {
  if (action.kind === 'reset' || action.kind === 'timeout') return 0;
  if (action.kind !== 'error' || action.error === undefined) return 200;
  return renderError(api, action.error as Parameters<typeof renderError>[1], { promptTokens: 0 }).status;
}

function unknownRoute(req: IncomingMessage, url: URL): HttpReply {
  const message = `Unknown request URL: ${req.method ?? 'GET'} ${url.pathname}. The simulator serves POST /v1/chat/completions and POST /v1/responses (OpenAI base_url: <sim>/v1), POST /v1/messages (Anthropic base_url: <sim>), Azure OpenAI's POST /openai/deployments/{d}/chat/completions and /openai/v1/chat/completions (azure base_url: <sim>) and GET /v1/models.`;
  const body =
    apiOfModelsRequest(req) === 'anthropic'
      ? anthropicErrorBody('not_found_error', message)
      : openAiErrorBody({ message, type: 'invalid_request_error', code: 'unknown_url' });
  return { status: 404, contentType: 'application/json', body: JSON.stringify(body) };
}

function send(res: ServerResponse, reply: HttpReply): void {
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, ends pending waits, and drops every connection (hung `timeout` calls included). */
function close(server: Server, closing: AbortController, sockets: WebSocketServer): Promise<void> {
  closing.abort();
  for (const ws of sockets.clients) ws.terminate();
  sockets.close();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
