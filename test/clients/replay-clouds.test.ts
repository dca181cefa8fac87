// The real agents' captured requests on the clouds: what Claude Code and Codex sent (test/fixtures/clients/), replayed
// exactly as sent through a gateway whose every model name is an alias of one cloud's route — Bedrock (SigV4 checked by
// the simulator), Vertex's Claude, the Gemini API, Azure OpenAI — and read with the official SDKs' parsers, as
// replay.test.ts does through the OpenAI and Anthropic routes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../gateway/harness.ts';
import { loadFixtures } from './fixture.ts';
import { replay, type Answer } from './replay.ts';

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** Each captured request, and what it comes to on any route: the simulator's reply, or the tool call it asks for. */
const CASES: Record<string, 'reply' | 'tool_call'> = {
  'claude-code-2.1.331/text-1.json': 'reply',
  'claude-code-2.1.331/tool-1.json': 'tool_call',
  'claude-code-2.1.331/tool-2.json': 'reply',
  'codex-0.169.0/text-1.json': 'reply',
  'codex-0.169.0/tool-1.json': 'tool_call',
  'codex-0.169.0/tool-2.json': 'reply',
};

const CLOUDS = {
  bedrock: { provider: 'bedrock', model: BEDROCK },
  vertex: { provider: 'vertex', model: 'claude-sonnet-4-5' },
  gemini: { provider: 'gemini', model: 'gemini-2.5-flash' },
  azure: { provider: 'azure', model: 'gpt-4o' },
} as const;
type Cloud = keyof typeof CLOUDS;

function cloudGateway(cloud: Cloud): Promise<Harness> {
  return startHarness({
    scenario: {
      models: { 'gpt-4o': {}, 'gemini-2.5-flash': {}, 'claude-sonnet-4-5': {}, [BEDROCK]: {} },
      keys: {
        'azure-key-000000000001': {},
        'AIza-gemini-key-0000001': {},
        'ya29.vertex-token-00001': {},
        AKIASIMREPLAY0000001: { aws_secret: 'replay/secret+1' },
      },
    },
    config: (sim) => ({
      providers: {
        azure: { type: 'azure', base_url: sim, api_version: '2024-10-21', api_key: 'azure-key-000000000001' },
        gemini: { type: 'gemini', base_url: sim, api_key: 'AIza-gemini-key-0000001' },
        vertex: {
          type: 'vertex',
          base_url: sim,
          project: 'sim-project',
          region: 'us-east5',
          api_key: 'ya29.vertex-token-00001',
        },
        bedrock: {
          type: 'bedrock',
          base_url: sim,
          region: 'us-east-1',
          api_key: 'AKIASIMREPLAY0000001:replay/secret+1',
        },
      },
      main: CLOUDS[cloud],
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
      gateway: { aliases: { '*': 'main' } },
    }),
  });
}

const gateways = new Map<Cloud, Harness>();
before(async () => {
  for (const cloud of Object.keys(CLOUDS) as Cloud[]) gateways.set(cloud, await cloudGateway(cloud));
});
after(async () => {
  for (const h of gateways.values()) await h.close();
});

function check(answer: Answer, expect: 'reply' | 'tool_call', where: string): void {
  assert.equal(answer.kind, 'answer', `${where}: expected an answer, got ${JSON.stringify(answer)}`);
  if (answer.kind !== 'answer') return;
  if (expect === 'tool_call') {
    assert.ok(answer.toolCalls.length > 0, `${where}: expected a tool call, got ${JSON.stringify(answer)}`);
    return;
  }
  assert.deepEqual(answer.toolCalls, [], `${where}: expected no tool call`);
  assert.match(answer.text, /reply to:|got tool result:/, `${where}: ${JSON.stringify(answer.text)}`);
}

const fixtures = loadFixtures();
for (const [file, expect] of Object.entries(CASES)) {
  const f = fixtures.get(file);
  for (const cloud of Object.keys(CLOUDS) as Cloud[]) {
    test(`${file} (${f?.request.method ?? '?'} ${f?.request.path.split('?')[0] ?? '?'}) through ${cloud}`, async () => {
      assert.ok(f, `${file} is captured`);
      const h = gateways.get(cloud)!;
      check(await replay(f, { url: h.url, key: h.key }), expect, `${file} via ${cloud}`);
      assert.equal(h.sim.log().at(-1)?.model, CLOUDS[cloud].model, `${file} reached ${cloud}`);
    });
  }
}
