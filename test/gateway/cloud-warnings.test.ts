// The gateway says at start and on each reload what would fail every call through a cloud provider: an AWS profile
// in neither shared file, a region that is not AWS's (config check says the same: test/config/cloud-checks.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, FAST_RETRY } from './harness.ts';
import { reloadFromDisk } from '../../src/gateway/server/reload.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

test('the gateway warns of a missing AWS profile at start and of a region that does not exist on reload', async () => {
  using ws = tempWorkspace('switchyard-cloud-warnings-');
  const env = {
    AWS_SHARED_CREDENTIALS_FILE: ws.write(
      'aws/credentials',
      '[dev]\naws_access_key_id = AKIASIMWARN000000001\naws_secret_access_key = s\n',
    ),
    AWS_CONFIG_FILE: ws.write('aws/config', '[profile other]\nregion = us-east-1\n'),
  };
  const config = (sim: string, profile: string, region: string): Record<string, unknown> => ({
    providers: { bedrock: { type: 'bedrock', base_url: sim, region, aws_credentials: { profile } } },
    main: { provider: 'bedrock', model: MODEL },
    auxiliary: { compression: { enabled: false }, title_generation: { enabled: false } },
    retry: FAST_RETRY,
  });
  await using h = await startHarness({
    scenario: { models: { [MODEL]: {} }, keys: {} },
    config: (sim) => config(sim, 'dve', 'us-east-1'),
    env,
  });
  await until('the start to warn of the profile', () =>
    h.logs.some((l) => l.includes('providers.bedrock.aws_credentials: profile dve is in neither')),
  );

  h.writeConfig(config(h.sim.url, 'dev', 'us-est-1'));
  await reloadFromDisk(h.gw.app);
  assert.ok(
    h.logs.some((l) =>
      l.includes('providers.bedrock.region: `us-est-1` is not an AWS region (did you mean `us-east-1`?)'),
    ),
    h.logs.join('\n').slice(-2000),
  );
});
