// A `switchyard gateway` process as one replica of several: its own state directory, sharing only a Redis and the
// simulator with the others (the conversation record's and stored responses' cross-replica tests).
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { simProvider, FAST_RETRY } from './harness.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { until } from '../helpers/until.ts';

/** Starts the replica (closed when `t` ends) with one OpenAI route on the simulator's `simKey`; returns its URL once
 * its store reads Redis. A replica serves before it has (ready() waits 2 s for Redis, then goes on from memory), and
 * what it records meanwhile reaches Redis only once it connects: on a loaded machine, after another replica is asked. */
export async function redisReplica(t: TestContext, redisUrl: string, simUrl: string, simKey: string): Promise<string> {
  const ws = tempWorkspace('switchyard-replica-');
  t.after(() => ws.cleanup());
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { oa: simProvider(simUrl, 'openai', simKey) },
      main: { provider: 'oa', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { state: redisUrl, require_keys: false },
    }),
  );
  const gw = await spawnGateway(t, ['--config', configPath], { SWITCHYARD_HOME: ws.home }, ws.dir);
  t.after(() => gw[Symbol.asyncDispose]());
  await until(`replica ${gw.url} reads Redis`, async () => {
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { store?: { ok?: boolean; degraded?: boolean } };
    return ready.store?.ok === true && ready.store.degraded !== true;
  });
  return gw.url;
}
