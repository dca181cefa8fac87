// The gateway as a fastify instance: one encapsulated plugin per concern (health, metrics, admin, the OpenAI API,
// the Anthropic API, models), one error shaper and one request log on the root, on a server whose chat lane
// (chat-lane.ts) serves the plain chat requests with the same steps before fastify sees them. Building it does not
// listen; see server.ts.
import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerFactoryHandler } from 'fastify';
import type { LoadedConfig } from '../../config/types.ts';
import type { Logger } from '../../log.ts';
import { lineWriter, silentLogger } from '../../log.ts';
import type { StateStore } from '../../state/types.ts';
import { effectiveHealth } from '../../credentials/health.ts';
import { createSwitchyard, seedBudgetsFrom, type Switchyard } from '../../library/switchyard.ts';
import { settingsFrom, type GatewayContext } from '../context.ts';
import { KeyCache } from '../keys/key-cache.ts';
import { KeyConcurrency } from '../request/key-concurrency.ts';
import { InFlight } from '../request/in-flight.ts';
import { installExpectContinue } from '../plugins/expect-continue.ts';
import { installJsonBody } from '../request/json-body.ts';
import { GatewayMetrics } from '../metrics/metrics.ts';
import { installErrorHandling } from '../plugins/errors.ts';
import { installRequestLog, logHangUp } from '../plugins/request-log.ts';
import { logResetsSeen } from './reset-log.ts';
import { healthPlugin } from '../plugins/health.ts';
import { metricsPlugin } from '../plugins/metrics.ts';
import { adminPlugin } from '../plugins/admin.ts';
import { adminUsagePlugin } from '../plugins/admin-usage.ts';
import { newUiState, uiPlugin } from '../ui/plugin.ts';
import { openaiPlugin } from '../routes/chat-completions.ts';
import { anthropicPlugin } from '../routes/messages.ts';
import { modelsPlugin } from '../routes/models.ts';
import { responsesPlugin } from '../routes/responses.ts';
import '../request/request-state.ts';
import { onClientError, onFrameworkError } from './framework-errors.ts';
import { environmentForReloads, followedFromDotenv } from '../../config/dotenv.ts';
import { currentBudgets } from '../records/budgets-view.ts';
import type { UsageLedger } from '../../usage/ledger.ts';
import { installUsageMetrics } from '../metrics/usage-metrics.ts';
import { installResponsesSocket, type SocketOptions } from '../conversations/responses-socket.ts';
import { mcpPlugin } from '../routes/mcp.ts';
import { McpHub } from '../../mcp/hub.ts';
import { McpCredentials } from '../../mcp/credentials.ts';
import { openGovernor, type McpGovernor } from '../../mcp/governor.ts';
import { McpGovernance } from '../../mcp/governance.ts';
import { recordQueue } from '../records/record-readers.ts';
import type { ReaderName } from '../records/request-record.ts';
import { countsSettled } from '../../calls/count-tokens.ts';
import { AJV_OPTIONS } from '../request/body-shape.ts';
import { chatLane, type Lane } from './chat-lane.ts';

export interface BuildGatewayOptions {
  loaded: LoadedConfig;
  store: StateStore;
  logger?: Logger;
  /** A router built elsewhere (tests, embedding); by default one is created and closed with the app. */
  router?: Switchyard;
  /** How long a client may take to send a whole request, and how often that is checked (tests shorten both). */
  requestTimeout?: RequestTimeout;
  /** The address the gateway listens on instead of `gateway.listen` (`--listen`): a reload does not warn about it. */
  listenOverride?: string;
  /** The usage ledger the requests are written to (closed with the app); none: nothing recorded. */
  usage?: UsageLedger;
  /** A worker of `gateway --workers N`: minted tokens are shared with the other workers (SwitchyardOptions). */
  shareMintedTokens?: boolean;
  /** The Responses WebSocket's limits (tests shorten the connection's length). */
  responsesSocket?: SocketOptions;
  /** What /mcp may list and call (default: everything, nothing counted). */
  mcpGovernor?: McpGovernor;
  /** How long a stdio MCP server's restart waits (tests make it immediate). */
  sleep?: (ms: number) => Promise<void>;
  /** Readers of the request records left out: only the benchmark's per-feature cost (bench/compare.bench.ts). */
  readersOff?: readonly ReaderName[];
}

export interface RequestTimeout {
  /** Default 120 s. */
  ms: number;
  /** Default 30 s (node's). */
  checkEveryMs: number;
}

/** Without a limit (fastify's default), a client trickling its body could hold a connection and its memory for
 * ever; generous, so a slow link can still send a large body. */
const REQUEST_TIMEOUT: RequestTimeout = { ms: 120_000, checkEveryMs: 30_000 };

/** Credentials per provider and state as of the scrape (effectiveHealth), so an alert on a cooldown that ran out
 * clears even on a quiet gateway. */
function credentialCounts(ctx: GatewayContext): { provider: string; state: string; count: number }[] {
  const rows: { provider: string; state: string; count: number }[] = [];
  const now = Date.now();
  for (const provider of Object.keys(ctx.settings.loaded.config.providers)) {
    const counts = new Map<string, number>();
    for (const c of ctx.router.pool.candidates(provider)) {
      const e = effectiveHealth(c.health, now);
      const state = e.state === 'cooling' ? (e.reason ?? 'cooling') : e.state;
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    for (const [state, count] of counts) rows.push({ provider, state, count });
  }
  return rows;
}

/** How long an idle keep-alive connection is kept (what fastify's `keepAliveTimeout` was set to before the lane). */
const KEEP_ALIVE_MS = 72_000;

/** The gateway's HTTP server: the chat lane (chat-lane.ts) takes the plain chat requests, fastify the rest. Made as
 * fastify makes its own (server.js), with the gateway's timeouts. */
function laneServer(lane: Lane, handler: FastifyServerFactoryHandler, requestTimeout: RequestTimeout): Server {
  const server = createServer({ connectionsCheckingInterval: requestTimeout.checkEveryMs }, (req, res) => {
    if (!lane(req, res)) handler(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.requestTimeout = requestTimeout.ms;
  server.setTimeout(0);
  return server;
}

export function buildGateway(options: BuildGatewayOptions): FastifyInstance {
  const logger = options.logger ?? silentLogger();
  const ownsRouter = options.router === undefined;
  const router =
    options.router ??
    createSwitchyard({
      config: options.loaded,
      store: options.store,
      logger,
      shareMintedTokens: options.shareMintedTokens === true,
    });
  // Read at scrape time only, when `ctx` exists.
  const metrics = new GatewayMetrics({
    credentialCounts: () => credentialCounts(ctx),
    breakerStates: () =>
      Object.keys(ctx.settings.loaded.config.providers).map((provider) => ({
        provider,
        state: ctx.router.breakers.state(provider),
      })),
    storeStatus: () => options.store.status(),
    budgetRows: () => currentBudgets(ctx),
  });
  // The dashboard's state (src/gateway/ui/): recent trails and route rates, read from the records; its live streams.
  const ui = newUiState();
  const mcpGovernor = options.mcpGovernor ?? openGovernor;
  const mcp = new McpHub({
    loaded: options.loaded,
    credentials: new McpCredentials({ loaded: options.loaded, store: options.store, minter: router.pool.minter }),
    logger,
    now: Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref())),
    governor: {
      // The governor in force at each call: one plugged in after the gateway was built is used at once.
      allows: (...a) => ctx.mcpGovernor.allows(...a),
      admit: (...a) => ctx.mcpGovernor.admit(...a),
      refused: (facts) => ctx.mcpGovernor.refused(facts),
    },
  });
  const ctx: GatewayContext = {
    mcp,
    mcpGovernor,
    router,
    recent: ui.recent,
    live: ui.live,
    rates: ui.rates,
    store: options.store,
    logger,
    // The line per request holds only our own scalar fields (never a header or a body): see lineWriter.
    requestLine: lineWriter(logger),
    records: recordQueue(() => ctx, options.readersOff),
    metrics,
    keys: new KeyCache(options.store),
    keyConcurrency: new KeyConcurrency(),
    inFlight: new InFlight(),
    settings: settingsFrom(options.loaded),
    reloadEnv: environmentForReloads(options.loaded.env, options.loaded.dotenv),
    followsDotenv: followedFromDotenv(options.loaded.env, options.loaded.dotenv),
    closing: false,
    ...(options.listenOverride !== undefined ? { listenOverride: options.listenOverride } : {}),
    ...(options.usage !== undefined ? { usage: options.usage } : {}),
  };
  // Allow-lists, budgets and the record of each tool call (docs/mcp.md#allow-lists), unless a test brings its own.
  if (options.mcpGovernor === undefined)
    ctx.mcpGovernor = new McpGovernance({
      loaded: () => ctx.settings.loaded,
      budgets: router.budgets,
      budgetStore: options.store.budgets,
      record: options.usage === undefined ? undefined : (row) => options.usage!.record(row),
      metric: (server, tool, outcome, seconds) => metrics.toolCall(server, tool, outcome, seconds),
      logger,
      now: Date.now,
    });
  installUsageMetrics(ctx);
  // A budget new to the config starts at what the ledger says its scope spent today (docs/budgets.md).
  if (options.usage !== undefined) seedBudgetsFrom(router.budgets, options.usage, logger);
  const stopResetLog = logResetsSeen(ctx);

  const requestTimeout = options.requestTimeout ?? REQUEST_TIMEOUT;
  const bodyLimit = options.loaded.config.gateway.body_limit;
  const lane = chatLane({ ctx, logger, bodyLimit, server: () => app.server });
  const app = Fastify({
    serverFactory: (handler) => laneServer(lane, handler, requestTimeout),
    logger: false,
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The request ID header would be attacker-controlled input in our logs; we do not use it.
    requestIdHeader: false,
    ajv: AJV_OPTIONS,
    // A `__proto__` or `constructor.prototype` key is dropped like any other field the gateway does not use, rather
    // than the whole body being called "not valid JSON" (fastify's default refuses it with that message).
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // (json-body.ts installs the same parser again, so that a body that does not parse is refused saying where.)
    // `/v1/chat/completions/` is the same endpoint (clients join base URLs and paths carelessly).
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  // node enforces the request timeout only when the headers timeout (60 s by default) is not longer than it.
  app.server.headersTimeout = Math.min(app.server.headersTimeout, requestTimeout.ms);
  // JSON only: fastify's default text/plain parser would let a plain-text body reach the routes.
  app.removeContentTypeParser('text/plain');
  installJsonBody(app, bodyLimit);
  app.decorate('gateway', ctx);
  app.decorateRequest('sy', null);
  installErrorHandling(app, logger, (req) => logHangUp(ctx, req));
  installRequestLog(app, ctx);
  installExpectContinue(app, bodyLimit);
  app.register(healthPlugin(ctx));
  app.register(metricsPlugin(ctx));
  app.register(adminPlugin(ctx));
  app.register(adminUsagePlugin(ctx));
  app.register(uiPlugin(ctx, ui));
  app.register(openaiPlugin(ctx));
  app.register(anthropicPlugin(ctx));
  app.register(responsesPlugin(ctx));
  installResponsesSocket(app, ctx, options.responsesSocket);
  app.register(modelsPlugin(ctx));
  app.register(mcpPlugin(ctx));
  mcp.start();
  app.addHook('preClose', async () => {
    ctx.closing = true;
  });
  app.addHook('onClose', async () => {
    ctx.keys.close();
    stopResetLog();
    // Local MCP servers are stopped with the gateway (after the drain: /mcp's sessions closed first).
    await mcp.close();
    if (ownsRouter) await router.close();
    // A request's record waits for its call's estimates, counted on the count worker (calls/billed.ts); then the
    // records of the last requests are read, before the ledger closes.
    await countsSettled();
    ctx.records.flush();
    await ctx.usage?.close();
  });
  return app;
}
