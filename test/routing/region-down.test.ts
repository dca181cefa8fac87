// A cloud region down or throttled (the simulator's `regions:`): Bedrock's signing region dropping its connections,
// answering 503 or throttling, Vertex's location answering 503 — each classified as the failure it is and the chain
// falling back to the same model in another region; Azure's and Gemini's hosts refusing connections likewise.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, hello, FAST_RETRY } from './helpers.ts';
import { closePools } from '../../src/providers/registry.ts';
import type { StepName } from '../../src/sim/steps.ts';
import { freePort } from '../helpers/net.ts';

after(closePools);

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

const bedrockConfig = (u: { anthropic: string }): unknown => ({
  providers: {
    east: { type: 'bedrock', base_url: u.anthropic, region: 'us-east-1', api_key: 'AKIASIMREGION0000001:s' },
    // Another account's keys; the same keys would do as well (a throttle rests them in its region only:
    // test/gateway/region-health.test.ts).
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

describe('a region refusing connections', () => {
  // Azure OpenAI's region is its resource's host, the Gemini API has one global host: a region down is a host that
  // refuses the connection, which is classified as a connection failure and falls back.
  for (const type of ['azure', 'gemini'] as const)
    it(`${type}: the connection refused is classified, and the other region's resource answers`, async () => {
      const closed = await freePort();
      const model = type === 'azure' ? 'gpt-4o' : 'gemini-2.5-flash';
      const key = type === 'azure' ? 'azure-region-key-0001' : 'AIza-region-key-0001';
      const at = (base: string): Record<string, unknown> => ({
        type,
        base_url: base,
        api_key: key,
        ...(type === 'azure' ? { api_version: '2024-10-21' } : {}),
      });
      await using h = await harness({
        scenario: { models: { [model]: {} }, keys: { [key]: {} } },
        config: (u) => ({
          providers: { down: at(`http://127.0.0.1:${closed}`), up: at(u.anthropic) },
          main: { provider: 'down', model },
          fallback: [{ provider: 'up', model }],
          retry: FAST_RETRY,
        }),
      });
      const res = await h.router.chat({ messages: hello, stream: true });
      assert.equal(res.status, 'ok');
      assert.equal(res.route, `up/${model}`);
      assert.equal(res.trail[0]?.outcome, 'connection');
    });
});
