// A bug that slips through (an unhandled rejection, an uncaught exception) does not end the gateway process: it is
// logged once per distinct error (then at its 10th occurrence, with the count), counted in
// switchyard_unhandled_errors_total{kind}, and the gateway goes on answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const KEY = 'sk-sim-process-guard-key-01';
const FAULTS = new URL('../helpers/process-faults.ts', import.meta.url).pathname;

type Line = Record<string, unknown>;

function lines(stderr: string): Line[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

function metric(text: string, kind: string): number | undefined {
  const m = new RegExp(`^switchyard_unhandled_errors_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

test('an unhandled rejection or uncaught exception is logged once, counted, and the gateway goes on', async (t) => {
  await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
  using ws = tempWorkspace('switchyard-process-guard-');
  const config = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: KEY } },
      main: { provider: 'sim', model: 'sim-large' },
      gateway: { require_keys: false },
    }),
  );
  await using gw = await spawnGateway(t, ['--config', config], {
    HOME: ws.dir,
    SWITCHYARD_HOME: ws.home,
    NODE_OPTIONS: `--import=${FAULTS}`,
  });
  const scrape = async (): Promise<string> => (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(metric(await scrape(), 'unhandled_rejection'), 0, 'both kinds are there from the start');
  assert.equal(metric(await scrape(), 'uncaught_exception'), 0);

  for (let i = 1; i <= 10; i++) {
    gw.child.kill('SIGUSR2');
    await until(`fault ${i} counted`, async () => metric(await scrape(), 'uncaught_exception') === i);
  }
  assert.equal(metric(await scrape(), 'unhandled_rejection'), 10);
  assert.equal(gw.child.exitCode, null, gw.stderr());

  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'still there?' }] }),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200);

  // Log lines are written in batches, a moment late.
  await until('the tenth of each logged', () => lines(gw.stderr()).filter((l) => l['count'] === 10).length === 2);
  const said = lines(gw.stderr()).filter((l) => l['kind'] !== undefined && l['level'] === 50);
  const summary = said.map((l) => ({ kind: l['kind'], count: l['count'], error: l['error'] }));
  assert.deepEqual(
    summary.filter((s) => s.kind === 'unhandled_rejection'),
    [
      { kind: 'unhandled_rejection', count: 1, error: 'Error' },
      { kind: 'unhandled_rejection', count: 10, error: 'Error' },
    ],
  );
  assert.deepEqual(
    summary.filter((s) => s.kind === 'uncaught_exception'),
    [
      { kind: 'uncaught_exception', count: 1, error: 'TypeError' },
      { kind: 'uncaught_exception', count: 10, error: 'TypeError' },
    ],
  );
  const first = said.find((l) => l['kind'] === 'uncaught_exception')!;
  assert.equal(
    first['msg'],
    'an uncaught exception (a bug: please report it); the gateway goes on: an exception nobody catches (injected by the test)',
  );
  assert.match(String((first['stack'] as string[])[0]), /process-faults\.ts/);
  assert.match(String(said.at(-1)!['msg']), /\(seen 10 times\)/);
});
