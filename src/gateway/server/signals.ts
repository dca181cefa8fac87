// Process signals for a gateway run from the CLI (or systemd): SIGTERM/SIGINT drain in-flight requests then exit 0
// (after gateway.drain_timeout those still running end with an error: server.ts; a second signal cuts the remaining
// connections at once); SIGHUP reloads the config and .env. A worker of `gateway --workers` takes the same orders from
// its primary as messages, and drains when the primary is gone.
import type { Logger } from '../../log.ts';
import { isRepeat } from '../../signal-repeat.ts';
import { reloadFromDisk } from './reload.ts';
import { stoppedAtOnce } from '../request/in-flight.ts';
import type { GatewayHandle } from './server.ts';
import type { ToWorker } from './workers.ts';

export function handleSignals(
  handle: GatewayHandle,
  logger: Logger,
  exit: (code: number) => void = (c) => process.exit(c),
  fromPrimary = false,
): () => void {
  let draining = false;
  let cutting = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (isRepeat(signal)) return;
    drainOrCut(signal);
  };
  /** A drain asked for twice (the signal itself and the primary's message, under systemd or Ctrl-C) is one drain. */
  const drainOrCut = (signal: NodeJS.Signals | 'primary', cut = draining): void => {
    if (!cut && draining) return;
    if (cut) {
      if (!draining || cutting) return;
      cutting = true;
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
        // Rows the ledger could not keep (a full disk) were said by it; the exit code says it to a supervisor.
        const unkept = handle.app.gateway.usage?.stats.unkept ?? 0;
        if (unkept > 0) {
          logger.error({ unkept_usage_rows: unkept }, `gateway stopped; ${unkept} usage rows were lost`);
          exit(1);
          return;
        }
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
  const order = (m: ToWorker): void => {
    if (m?.type === 'switchyard:drain') drainOrCut('primary', false);
    else if (m?.type === 'switchyard:cut') drainOrCut('primary', true);
    else if (m?.type === 'switchyard:reload') hup();
  };
  const orphaned = (): void => drainOrCut('primary', false);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hup);
  if (fromPrimary) {
    process.on('message', order);
    process.on('disconnect', orphaned);
  }
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', hup);
    process.off('message', order);
    process.off('disconnect', orphaned);
  };
}
