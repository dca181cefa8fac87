// Process signals for a gateway run from the CLI (or systemd): SIGTERM/SIGINT drain in-flight requests then exit 0
// (after gateway.drain_timeout those still running end with an error: server.ts; a second signal cuts the remaining
// connections at once); SIGHUP reloads the config and .env.
import type { Logger } from '../log.ts';
import { isRepeat } from '../signal-repeat.ts';
import { reloadFromDisk } from './reload.ts';
import { stoppedAtOnce } from './in-flight.ts';
import type { GatewayHandle } from './server.ts';

export function handleSignals(
  handle: GatewayHandle,
  logger: Logger,
  exit: (code: number) => void = (c) => process.exit(c),
): () => void {
  let draining = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (isRepeat(signal)) return;
    if (draining) {
      logger.warn({ signal }, 'second signal: closing remaining connections now');
      // Cut at once, with no time to tell the callers; their lines say it was the shutdown, not them.
      handle.app.gateway.inFlight.cutAll(stoppedAtOnce());
      handle.app.server.closeAllConnections();
      return;
    }
    draining = true;
    logger.info({ signal }, 'draining in-flight requests before exit');
    handle.close().then(
      () => {
        logger.info('gateway stopped');
        exit(0);
      },
      (err: unknown) => {
        logger.error({ error: err instanceof Error ? err.message : String(err) }, 'error while stopping the gateway');
        exit(1);
      },
    );
  };
  const hup = (): void => {
    if (isRepeat('SIGHUP')) return;
    logger.info({ signal: 'SIGHUP' }, 'reloading config');
    void reloadFromDisk(handle.app);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hup);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', hup);
  };
}
