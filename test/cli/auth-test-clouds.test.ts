// `switchyard auth test` and `doctor` on the clouds: each credential proved by a read-only call its signature, token
// or key must pass (Bedrock's signed ListFoundationModels, Vertex AI's publisher models with the token, the Gemini
// API's and Azure OpenAI's models lists with the key), never a chat; a wrong one classified as a chat's refusal is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEYS = {
  aws: 'AKIASIMPROBE00000001:probe/secret+1',
  awsWrongSecret: 'AKIASIMPROBE00000001:not-the-secret',
  vertex: 'ya29.probe-token-0001',
  vertexUnknown: 'ya29.probe-token-dead',
  gemini: 'AIza-probe-key-000001',
  geminiUnknown: 'AIza-probe-key-dead01',
  azure: 'azure-probe-key-000001',
  azureUnknown: 'azure-probe-key-dead01',
};

interface Probed {
  providers: { provider: string; results: { status: string; method: string; kind?: string; message: string }[] }[];
}

test('auth test proves each cloud credential with a read-only call and sends no chat', async (t) => {
  const sim = await startSimulator({
    scenario: {
      models: { [BEDROCK]: {}, 'claude-sonnet-4-5': {}, 'gemini-2.5-flash': {}, 'gpt-4o': {} },
      keys: {
        AKIASIMPROBE00000001: { aws_secret: 'probe/secret+1' },
        [KEYS.vertex]: {},
        [KEYS.gemini]: {},
        [KEYS.azure]: {},
      },
    },
  });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const provider = (type: string, keys: string[], extra = ''): string =>
    `{ type: ${type}, base_url: ${sim.url}, api_keys: [${keys.map((k) => `"${k}"`).join(', ')}]${extra} }`;
  ws.write(
    'switchyard.yaml',
    `providers:
  br: ${provider('bedrock', [KEYS.aws, KEYS.awsWrongSecret], ', region: us-east-1')}
  vx: ${provider('vertex', [KEYS.vertex, KEYS.vertexUnknown], ', project: sim-project, region: us-east5')}
  gm: ${provider('gemini', [KEYS.gemini, KEYS.geminiUnknown])}
  az: ${provider('azure', [KEYS.azure, KEYS.azureUnknown], ', api_version: 2024-10-21')}
main: { provider: br, model: ${BEDROCK} }
fallback:
  - { provider: vx, model: claude-sonnet-4-5 }
  - { provider: gm, model: gemini-2.5-flash }
  - { provider: az, model: gpt-4o }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });

  const probed = await run(['auth', 'test', '--json']);
  assert.equal(probed.code, 1, 'a rejected key is not "all good"');
  const byProvider = new Map(
    (JSON.parse(probed.stdout) as Probed).providers.map((p) => [p.provider, p.results.map((r) => r)]),
  );
  const METHODS = {
    br: 'ListFoundationModels (signed)',
    vx: 'publisher models list (token)',
    gm: 'models list (key)',
    az: 'models list (key)',
  };
  for (const [name, method] of Object.entries(METHODS)) {
    const [good, bad] = byProvider.get(name) ?? [];
    assert.deepEqual([good?.status, good?.method], ['valid', method], `${name}: ${good?.message}`);
    assert.match(good?.message ?? '', /no chat sent/);
    assert.deepEqual([bad?.status, bad?.kind], ['rejected', 'auth_rejected'], `${name}: ${bad?.message}`);
  }
  assert.deepEqual(sim.log(), [], 'no chat reached the simulator');
  assertNoSecrets(Object.values(KEYS), probed.stdout + probed.stderr);

  // doctor probes them the same way: the table names each cloud's call.
  const doctor = await run(['doctor']);
  assert.match(doctor.stdout, /ListFoundationModels \(signed\)/);
  assert.match(doctor.stdout, /publisher models list \(token\)/);
  assert.deepEqual(sim.log(), [], 'doctor sent no chat either');
  assertNoSecrets(Object.values(KEYS), doctor.stdout + doctor.stderr);
});

test('a cloud key whose listing lacks the route’s model is valid with a warning naming the model, not a failure', async (t) => {
  const sim = await startSimulator({
    scenario: {
      models: { [BEDROCK]: {}, 'claude-sonnet-4-5': {}, 'gemini-2.5-flash': {} },
      keys: { AKIASIMPROBE00000001: { aws_secret: 'probe/secret+1' }, [KEYS.vertex]: {}, [KEYS.gemini]: {} },
    },
  });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const provider = (type: string, key: string, extra = ''): string =>
    `{ type: ${type}, base_url: ${sim.url}, api_key: "${key}"${extra} }`;
  // A typo on Bedrock, a model the project has not enabled on Vertex; Gemini's (listed) and a version suffix pass.
  ws.write(
    'switchyard.yaml',
    `providers:
  br: ${provider('bedrock', KEYS.aws, ', region: us-east-1')}
  vx: ${provider('vertex', KEYS.vertex, ', project: sim-project, region: us-east5')}
  vx2: ${provider('vertex', KEYS.vertex, ', project: sim-project, region: us-east5')}
  gm: ${provider('gemini', KEYS.gemini)}
main: { provider: br, model: us.anthropic.claude-sonet-4-5-20250929-v1:0 }
fallback:
  - { provider: vx, model: claude-opus-9 }
  - { provider: vx2, model: claude-sonnet-4-5@20250929 }
  - { provider: gm, model: gemini-2.5-flash }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  const probed = await run(['auth', 'test', '--json']);
  assert.equal(probed.code, 0, `a warning is not a failure: ${probed.stdout}`);
  const results = new Map(
    (
      JSON.parse(probed.stdout) as {
        providers: { provider: string; results: { status: string; warning?: string; message: string }[] }[];
      }
    ).providers.map((p) => [p.provider, p.results[0]!]),
  );
  const br = results.get('br')!;
  assert.equal(br.status, 'valid');
  assert.match(
    br.warning ?? '',
    /^us\.anthropic\.claude-sonet-4-5-20250929-v1:0 is not in that list: .*model_not_found/,
  );
  assert.match(
    br.message,
    /accepted by ListFoundationModels \(signed\) \(no chat sent\); but us\.anthropic\.claude-sonet/,
  );
  assert.match(results.get('vx')?.warning ?? '', /^claude-opus-9 is not in that list/);
  assert.equal(results.get('vx2')?.warning, undefined, 'a version of a listed model is listed');
  assert.equal(results.get('gm')?.warning, undefined);
  const table = await run(['auth', 'test']);
  assert.match(table.stdout, /claude-opus-9 is not in that list/);
  assert.deepEqual(sim.log(), [], 'no chat was sent');
});
