// A cloud region down or throttled (the simulator's `regions:`): Bedrock's signing region dropping its connections,
// answering 503 or throttling, Vertex's location answering 503 — each classified as the failure it is and the chain
// falling back to the same model in another region.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, hello, FAST_RETRY } from './helpers.ts';
import { closePools } from '../../src/providers/registry.ts';
import type { StepName } from '../../src/sim/steps.ts';

after(closePools);

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

const bedrockConfig = (u: { anthropic: string }): unknown => ({
  providers: {
    east: { type: 'bedrock', base_url: u.anthropic, region: 'us-east-1', api_key: 'AKIASIMREGION0000001:s' },
    // Another account's keys: a throttled answer rests the keys that got it, whichever region they are sent to.
    west: { type: 'bedrock', base_url: u.anthropic, region: 'us-west-2', api_key: 'AKIASIMREGION0000002:s' },
  },
  main: { provider: 'east', model: BEDROCK },
  fallback: [{ provider: 'west', model: BEDROCK }],
  retry: FAST_RETRY,
});

const vertexConfig = (u: { anthropic: string }): unknown => ({
  providers: {
    east5: { type: 'vertex', base_url: u.anthropic, project: 'sim-project', region: 'us-east5', api_key: 'ya29.t' },
    europe: {
      type: 'vertex',
      base_url: u.anthropic,
      project: 'sim-project',
      region: 'europe-west1',
      api_key: 'ya29.t',
    },
  },
  main: { provider: 'east5', model: 'claude-sonnet-4-5' },
  fallback: [{ provider: 'europe', model: 'claude-sonnet-4-5' }],
  retry: FAST_RETRY,
});

const CASES: {
  name: string;
  config: (u: { anthropic: string }) => unknown;
  region: string;
  step: StepName;
  outcome: string;
}[] = [
  { name: 'Bedrock, connections dropped', config: bedrockConfig, region: 'us-east-1', step: 'reset', outcome: 'reset' },
  { name: 'Bedrock, 503', config: bedrockConfig, region: 'us-east-1', step: '503', outcome: 'server' },
  { name: 'Bedrock, throttled', config: bedrockConfig, region: 'us-east-1', step: '429', outcome: 'rate_limited' },
  { name: 'Vertex, 503', config: vertexConfig, region: 'us-east5', step: '503', outcome: 'server' },
];

describe('a region down', () => {
  for (const c of CASES)
    it(`${c.name}: classified, and the same model in another region answers`, async () => {
      await using h = await harness({
        scenario: {
          models: { [BEDROCK]: {}, 'claude-sonnet-4-5': {} },
          keys: { AKIASIMREGION0000001: { aws_secret: 's' }, AKIASIMREGION0000002: { aws_secret: 's' }, 'ya29.t': {} },
          regions: { [c.region]: c.step },
        },
        config: c.config,
      });
      for (const stream of [false, true]) {
        const res = await h.router.chat({ messages: hello, stream });
        assert.equal(res.status, 'ok');
        assert.notEqual(res.route.split('/')[0], c.config === bedrockConfig ? 'east' : 'east5');
      }
      const outcomes = h.sim.log().map((c) => c.outcome);
      assert.ok(outcomes.includes(`region_${c.outcome}`), outcomes.join(', '));
      assert.equal(outcomes.at(-1), 'ok');
    });
});
