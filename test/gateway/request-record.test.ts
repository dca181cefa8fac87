// One record per request: the readers (log, metrics, ledger, dashboard) read each finished request's record in a
// batch after the request's tick, and a reader that throws is said once and stops neither the answers nor the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/state/open.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { startGateway } from '../../src/gateway/server/server.ts';
import { RecordQueue, type ReaderName, type RequestRecord } from '../../src/gateway/records/request-record.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { requestRecord } from '../helpers/request-record.ts';

const SIM_KEY = 'sk-sim-request-record-key-01';

const record = (id: string): RequestRecord => requestRecord({ id });

test('records pushed in one turn are read after it, together; a reader that throws is said once, the others read all', async () => {
  const read: string[] = [];
  const said: ReaderName[] = [];
  const queue = new RecordQueue(
    [
      {
        name: 'log',
        read: () => {
          throw new Error('disk gone');
        },
      },
      { name: 'metrics', read: (r) => void read.push(r.id) },
    ],
    (name) => said.push(name),
  );
  queue.push(record('a'));
  queue.push(record('b'));
  assert.deepEqual(read, [], 'nothing is read on the request tick');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(read, ['a', 'b']);
  queue.push(record('c'));
  queue.flush();
  assert.deepEqual(read, ['a', 'b', 'c'], 'flush reads what is queued at once (the gateway closing)');
  assert.deepEqual(said, ['log'], 'the failing reader is said once');
});

test('a gateway whose log reader fails still answers, counts each request and says the failure once', async () => {
  await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [SIM_KEY]: {} } } });
  using ws = tempWorkspace('switchyard-request-record-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: SIM_KEY } },
      main: { provider: 'sim', model: 'sim-large' },
    }),
  );
  const loaded = loadConfig({ configPath, env: {}, cwd: ws.dir });
  const lines: string[] = [];
  // A destination that cannot take the request lines (say, a pipe that broke): every other line goes through.
  const logger = createLogger({
    level: 'info',
    destination: {
      write: (line: string) => {
        if (line.includes('"msg":"request"')) throw new Error('the log pipe broke');
        lines.push(line);
      },
    },
  });
  const store = openStore({ home: ws.home });
  const key = generateKey();
  store.addGatewayKey(newKeyRecord(key, 'test-client'));
  const gw = await startGateway({
    loaded,
    store,
    logger,
    listen: '127.0.0.1:0',
    watch: false,
    usageHome: ws.home,
  });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('x-switchyard-usage') ?? '', /^input=\d+; output=\d+/);
      await res.json();
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /^switchyard_gateway_requests_total\{api="openai",route="sim\/sim-large",outcome="ok"\} 3$/m);
    assert.match(
      metrics,
      /^switchyard_usage_tokens_total\{task="main",route="sim\/sim-large",client_key="test-client",kind="input"\} \d+$/m,
    );
    const failures = lines.filter((l) => l.includes("the request records' log reader failed"));
    assert.equal(failures.length, 1, lines.join(''));
    assert.match(failures[0]!, /the log pipe broke/);
  } finally {
    await gw.close();
    await store.close();
  }
});
