// Starting and stopping the gateway. Shutdown drains, then ends running requests with an error in their own shape,
// then cuts what is left, so a stuck client cannot hold it (docs/gateway.md#hot-reload-and-shutdown).
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../../config/types.ts';
import type { Logger } from '../../log.ts';
import { openStore, stateHome } from '../../state/open.ts';
import { openLedger, pruneJobName, spoolAdoptJobName } from '../../usage/open.ts';
import { PRUNE_EVERY_MS, type UsageLedger } from '../../usage/ledger.ts';
import { SPOOL_STALE_MS } from '../../usage/spool.ts';
import type { StateStore } from '../../state/types.ts';
import type { Switchyard } from '../../library/switchyard.ts';
import { buildGateway, type RequestTimeout } from './app.ts';
import type { SocketOptions } from '../conversations/responses-socket.ts';
import type { ReaderName } from '../records/request-record.ts';
import { drainTimeUp } from '../request/in-flight.ts';
import { startIdleTrim } from './idle-trim.ts';
import { startClusterJobs, type ClusterJob, type ClusterJobsOptions } from './cluster-jobs.ts';
import { assertSafeListen, listenError, localUrlFor, parseListen } from '../../config/listen.ts';

export { assertSafeListen };
import {
  forgetFormerCredentials,
  logFirstKeys,
  warnKeyless,
  warnMissingSources,
  warnUnknownClientKeys,
  watchAndReload,
} from './reload.ts';

const LISTEN_BACKLOG = 4096;

export interface StartGatewayOptions {
  loaded: LoadedConfig;
  /** Opened from `gateway.state` when absent (and closed with the gateway). */
  store?: StateStore;
  logger?: Logger;
  router?: Switchyard;
  /** `HOST:PORT`, overriding `gateway.listen` (port 0 = any free port). */
  listen?: string;
  /** Watch the config file and .env and reload on change (default true). */
  watch?: boolean;
  /** How long close() waits for in-flight requests before ending them (default: gateway.drain_timeout as the config
   * says at close). */
  drainMs?: number;
  /** See BuildGatewayOptions (tests shorten it). */
  requestTimeout?: RequestTimeout;
  /** See BuildGatewayOptions (tests shorten a connection's length). */
  responsesSocket?: SocketOptions;
  /** Start the OpenTelemetry SDK (`--otel`); default `gateway.otel`. */
  otel?: boolean;
  /** Where the embedded usage ledger goes (the state directory). Opened from `usage.store` when the gateway opens
   * its own store or this is given; a gateway handed a store and no home records no usage. */
  usageHome?: string;
  /** A worker of `gateway --workers N`: minted tokens are shared with the other workers through the store. */
  shareMintedTokens?: boolean;
  /** See BuildGatewayOptions (the benchmark only). */
  readersOff?: readonly ReaderName[];
  /** The once-per-deployment jobs' lease and clocks (tests shorten the lease). */
  clusterJobs?: Pick<ClusterJobsOptions, 'ttlMs' | 'renewEveryMs' | 'now' | 'sleep'>;
}

export interface GatewayHandle extends AsyncDisposable {
  url: string;
  app: FastifyInstance;
  /** Stops accepting, waits for in-flight requests (up to drainMs), then releases everything. */
  close(): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions): Promise<GatewayHandle> {
  const listen = options.listen ?? options.loaded.config.gateway.listen;
  const { host, port } = parseListen(listen, options.listen ? '--listen' : 'gateway.listen');
  assertSafeListen(options.loaded, host, options.listen ? '--listen' : 'gateway.listen');
  const ownsStore = options.store === undefined;
  const logger = options.logger;
  const store =
    options.store ??
    openStore({
      kind: options.loaded.config.gateway.state,
      prefix: options.loaded.config.gateway.state_prefix,
      env: { ...options.loaded.env },
      ...(logger ? { warn: (m: string) => logger.warn(m) } : {}),
    });
  // Shared state (Redis) loads before the first request; if it cannot be reached the gateway starts on local state.
  await store.ready();
  // Loaded only when asked for: a gateway without it imports nothing of the SDK.
  const otel =
    (options.otel ?? options.loaded.config.gateway.otel)
      ? await (await import('../../telemetry/sdk.ts')).startOtel(process.env, logger)
      : undefined;
  const usageHome = options.usageHome ?? (ownsStore ? stateHome({ ...options.loaded.env }) : undefined);
  const usage =
    usageHome === undefined
      ? undefined
      : openLedger(options.loaded.config.usage, {
          home: usageHome,
          // Pruned by one process of the deployment (the job below), not by each.
          selfPrune: false,
          ...(logger ? { warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) } : {}),
        });
  const app = buildGateway({
    loaded: options.loaded,
    store,
    ...(logger ? { logger } : {}),
    ...(options.router ? { router: options.router } : {}),
    ...(options.requestTimeout ? { requestTimeout: options.requestTimeout } : {}),
    ...(options.responsesSocket ? { responsesSocket: options.responsesSocket } : {}),
    ...(options.listen ? { listenOverride: options.listen } : {}),
    ...(usage ? { usage } : {}),
    ...(options.shareMintedTokens ? { shareMintedTokens: true } : {}),
    ...(options.readersOff ? { readersOff: options.readersOff } : {}),
  });
  forgetFormerCredentials(app.gateway);
  warnKeyless(app.gateway, options.loaded);
  warnUnknownClientKeys(app.gateway, options.loaded);
  warnMissingSources(app.gateway, options.loaded);
  logFirstKeys(app.gateway, options.loaded);
  try {
    // Room for thousands of streams opened at once (Node's default queue is 511; the kernel caps it at somaxconn):
    // past it, a connect waits a second or more for the retry of its SYN.
    await app.listen({ host, port, backlog: LISTEN_BACKLOG });
  } catch (err) {
    await app.close().catch(() => {});
    if (ownsStore) await store.close();
    await otel?.shutdown();
    throw listenError(listen, err);
  }
  const stopWatching = options.watch === false ? () => {} : watchAndReload(app);
  const inFlight = app.gateway.inFlight;
  const stopTrim = startIdleTrim({ started: () => inFlight.started, running: () => inFlight.size });
  const jobs = startClusterJobs({
    store,
    jobs: usage === undefined || usageHome === undefined ? [] : ledgerJobs(usage, options.loaded, usageHome),
    ...options.clusterJobs,
    ...(logger ? { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) } : {}),
  });
  const address = app.server.address() as AddressInfo;
  const url = localUrlFor(host, address.port);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stopWatching();
      stopTrim();
      // Before the ledger closes: a prune running now ends first, and the lease is let go for another replica.
      await jobs.stop();
      app.gateway.closing = true;
      const drainMs = options.drainMs ?? app.gateway.settings.loaded.config.gateway.drain_timeout;
      let cut: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => (cut = endInFlight(app, drainMs, logger)), drainMs);
      try {
        await app.close();
        // A request cut with its connection writes its line when its call settles, promptly once aborted.
        await app.gateway.inFlight.settled(LINES_GRACE_MS);
      } finally {
        clearTimeout(deadline);
        clearTimeout(cut);
        if (ownsStore) await store.close();
        await otel?.shutdown();
      }
    })());
  return { url, app, close, [Symbol.asyncDispose]: close };
}

/** The ledger's rows and rollups past their retention, deleted once an hour by one process of the deployment. */
/** The ledger's once-per-deployment jobs: its prune, and taking over the spool files of replicas gone for good (a
 * pod deleted leaves its file on a shared volume, and no process starts again on its name). */
function ledgerJobs(usage: UsageLedger, loaded: LoadedConfig, home: string): ClusterJob[] {
  const prune = { name: pruneJobName(loaded.config.usage, home), everyMs: PRUNE_EVERY_MS, run: () => usage.prune() };
  const adopt = spoolAdoptJobName(loaded.config.usage, home);
  if (adopt === undefined) return [prune];
  // Half the time a file must go untouched before it is a gone replica's: rows wait at most one and a half of it.
  return [prune, { name: adopt, everyMs: SPOOL_STALE_MS / 2, run: async () => void (await usage.adoptLeftovers()) }];
}

/** How long requests ended at the drain deadline get to write their error and finish, before connections are cut
 * (a client that does not read could otherwise hold the shutdown), and how long close() waits for their lines. */
const CUT_GRACE_MS = 1000;
const LINES_GRACE_MS = 1000;

/** The drain time is up: each chat request still running ends with the shutdown's error (a 503, or its stream's error
 * event) and writes its log line; connections still open a moment later are cut. */
function endInFlight(app: GatewayHandle['app'], drainMs: number, logger: Logger | undefined): NodeJS.Timeout {
  const ended = app.gateway.inFlight.cutAll(drainTimeUp(drainMs));
  if (ended > 0)
    logger?.warn(
      { requests: ended, drain_timeout_ms: drainMs },
      `drain time is up: ending ${ended} request${ended === 1 ? '' : 's'} still running with an error`,
    );
  return setTimeout(() => app.server.closeAllConnections(), CUT_GRACE_MS);
}
