// A budget naming a client key no stored key has never applies: the gateway says so in its log at start and again on
// each reload, with the nearest key name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider } from './harness.ts';
import { reloadFromDisk } from '../../src/gateway/server/reload.ts';
import { until } from '../helpers/until.ts';

const KEY = 'sk-sim-budget-keys-0001';
const config = (sim: string, clientKey: string): Record<string, unknown> => ({
  providers: { sim: simProvider(sim, 'openai', KEY) },
  main: { provider: 'sim', model: 'sim-small' },
  budgets: { app_daily: { client_key: clientKey, requests: { day: 10 } } },
});

test('the gateway warns at start and on reload of a budget naming no stored client key', async () => {
  await using h = await startHarness({
    scenario: { models: { 'sim-small': {} }, keys: { [KEY]: {} } },
    config: (sim) => config(sim, 'test-clint'),
  });
  const said = (name: string): boolean =>
    h.logs.some((l) => l.includes(`budgets.app_daily.client_key: no client key is named \`${name}\``));
  assert.ok(said('test-clint'), h.logs.join('\n'));
  assert.ok(
    h.logs.some((l) => l.includes('(did you mean `test-client`?)')),
    'the nearest stored key is named',
  );

  h.writeConfig(config(h.sim.url, 'nobody'));
  await reloadFromDisk(h.gw.app);
  await until('the reload to warn of the budget', () => said('nobody'));

  const before = h.logs.length;
  h.writeConfig(config(h.sim.url, 'test-client'));
  await reloadFromDisk(h.gw.app);
  await until('the reload to log its first keys', () =>
    h.logs.slice(before).some((l) => l.includes('"provider":"sim"')),
  );
  assert.ok(
    !h.logs.slice(before).some((l) => l.includes('budgets.app_daily.client_key')),
    'a stored key is not warned of',
  );
});
