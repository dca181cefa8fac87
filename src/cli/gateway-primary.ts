// `switchyard gateway --workers N` in the process the user started: forks the workers (gateway/server/workers.ts), prints the
// banner once they all listen, and turns its own signals into orders to them.
import type { LoadedConfig } from '../config/types.ts';
import type { CliRun } from './run.ts';
import { inEffectText } from './run.ts';
import type { Logger } from '../log.ts';
import { isRepeat } from '../signal-repeat.ts';
import { UserError } from '../user-error.ts';
import { VERSION } from '../version.ts';
import { sharedStateProblem, startWorkers, WorkerStartError, type Workers } from '../gateway/server/workers.ts';
import { statePath } from '../state/open.ts';
import { maskRedisUrl } from '../config/redis-url.ts';
import { guardProcess } from '../gateway/server/process-guard.ts';

export interface PrimaryOptions {
  cli: CliRun;
  loaded: LoadedConfig;
  logger: Logger;
  count: number;
  /** bin/switchyard.js, and the `gateway …` arguments each worker is started with. */
  bin: string;
  args: string[];
  /** Writes what is still batched, then exits. */
  exit: (code: number) => void;
}

export async function runPrimary(o: PrimaryOptions): Promise<void> {
  const { cli, loaded, logger, count } = o;
  const problem = sharedStateProblem(loaded.config.gateway.state);
  if (problem !== undefined) throw new UserError(problem);
  let workers: Workers;
  try {
    workers = await startWorkers({
      count,
      exec: o.bin,
      args: o.args,
      cwd: cli.cwd,
      env: cli.env,
      logger,
      stderr: (chunk) => cli.stderr.write(chunk.toString()),
      stdout: (chunk) => cli.stdout.write(chunk.toString()),
    });
  } catch (err) {
    // The worker said why on stderr (passed on above); the command ends with its exit code and no second message.
    if (err instanceof WorkerStartError) {
      cli.exitCode = err.exitCode === 0 ? 1 : err.exitCode;
      return;
    }
    throw err;
  }
  handlePrimarySignals(workers, logger);
  // The primary is what restarts workers: a bug that slips through here is logged and survived, as in a worker.
  guardProcess(logger);
  void workers.stopped.then((code) => {
    logger.info('gateway stopped');
    o.exit(code);
  });
  const state = loaded.config.gateway.state;
  const location = state === 'sqlite' ? statePath({ env: { ...loaded.env } }) : maskRedisUrl(state);
  logger.info(
    { url: workers.url, version: VERSION, config: loaded.path, workers: count, pids: workers.pids() },
    `gateway listening with ${count} workers`,
  );
  cli.stdout.write(`switchyard gateway listening on ${workers.url} (${count} workers)\n`);
  cli.stdout.write(`  OpenAI base_url: ${workers.url}/v1   Anthropic base_url: ${workers.url}\n`);
  cli.stdout.write(
    `  ${inEffectText({ config: loaded.path, state: { kind: state === 'sqlite' ? 'sqlite' : 'redis', location } })}\n`,
  );
}

/** SIGTERM/SIGINT: every worker drains (a second signal: cuts); SIGHUP: every worker reloads. A worker that got the
 * same signal itself (systemd signals the whole group, so does Ctrl-C) counts it once. */
function handlePrimarySignals(workers: Workers, logger: Logger): void {
  let draining = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (isRepeat(signal)) return;
    if (draining) {
      logger.warn({ signal }, 'second signal: the workers close their remaining connections now');
      workers.cut();
      return;
    }
    draining = true;
    logger.info({ signal }, 'draining: each worker finishes its requests in flight, then exits');
    void workers.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    if (isRepeat('SIGHUP')) return;
    logger.info({ signal: 'SIGHUP' }, 'reloading config in every worker');
    workers.reload();
  });
}
