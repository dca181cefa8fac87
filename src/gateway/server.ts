// Starting and stopping the gateway: listen, refuse `require_keys: false` off loopback, hot reload on file
// changes, and a draining close (in-flight requests finish; idle connections close; after `drainMs` the rest are
// cut so a stuck client cannot hold a shutdown forever).
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import { openStore } from '../state/open.ts';
import type { StateStore } from '../state/types.ts';
import type { Switchyard } from '../routing/switchyard.ts';
import { buildGateway, type RequestTimeout } from './app.ts';
import { assertSafeListen, listenError, localUrlFor, parseListen } from './listen.ts';

export { assertSafeListen };
import { forgetFormerCredentials, logFirstKeys, warnKeyless, watchAndReload } from './reload.ts';

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
  /** How long close() waits for in-flight requests before cutting connections (default 30s). */
  drainMs?: number;
  /** See BuildGatewayOptions (tests shorten it). */
  requestTimeout?: RequestTimeout;
}

export interface GatewayHandle {
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
  const store = options.store ?? openStore({ kind: options.loaded.config.gateway.state, env: { ...options.loaded.env }, ...(logger ? { warn: (m: string) => logger.warn(m) } : {}) });
  // Shared state (Redis) loads before the first request; if it cannot be reached the gateway starts on local state.
  await store.ready();
  const app = buildGateway({
    loaded: options.loaded,
    store,
    ...(logger ? { logger } : {}),
    ...(options.router ? { router: options.router } : {}),
    ...(options.requestTimeout ? { requestTimeout: options.requestTimeout } : {}),
    ...(options.listen ? { listenOverride: options.listen } : {}),
  });
  forgetFormerCredentials(app.gateway);
  warnKeyless(app.gateway, options.loaded);
  logFirstKeys(app.gateway, options.loaded);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => {});
    if (ownsStore) await store.close();
    throw listenError(listen, err);
  }
  const stopWatching = options.watch === false ? () => {} : watchAndReload(app);
  const address = app.server.address() as AddressInfo;
  const url = localUrlFor(host, address.port);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stopWatching();
      app.gateway.closing = true;
      const deadline = setTimeout(() => app.server.closeAllConnections(), options.drainMs ?? 30_000);
      deadline.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(deadline);
        if (ownsStore) await store.close();
      }
    })());
  return { url, app, close };
}
