// Issue 43's "done when", as a user would run it: a gateway process whose main route is Claude on Bedrock, its keys a
// session assumed from an AWS profile (`role_arn` + `source_profile`, at the simulator's STS), with Claude on Vertex
// as the fallback and Gemini for titles and compression. Claude Code's shape (the Anthropic SDK: a streamed tool loop
// with thinking), Codex's (the openai SDK's Responses over HTTP, its compaction, and the WebSocket mode) and an AI SDK
// app (`ai` with @ai-sdk/openai) go through it, streaming with tools. Mid-run the session expires (the simulator
// refuses it, ExpiredTokenException) and is assumed again with no failed request; then Bedrock's region is throttled
// and the next request falls back to Vertex; `switchyard usage` prices every cloud's rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { streamText, tool, stepCountIs, jsonSchema } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { startSimulator } from '../../src/sim/server.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SOURCE = { id: 'AKIASIMSOURCE0000001', secret: 'sourceSecretAccessKey/0001+abcdefghij' };

const CONFIG = `
providers:
  bedrock:
    type: bedrock
    base_url: \${SIM_URL}
    region: us-east-1
    aws_credentials: { profile: bedrock-role }
    models: { ${BEDROCK}: {} }
  vertex:
    type: vertex
    base_url: \${SIM_URL}
    project: example-project
    region: us-east5
    google_credentials: \${SA_FILE}
    models: { claude-sonnet-4-5: {} }
  gemini:
    type: gemini
    base_url: \${SIM_URL}
    api_key: AIza-example-gemini-key-0000003
    models: { gemini-2.5-flash: {} }
main: { provider: bedrock, model: ${BEDROCK} }
fallback:
  - { provider: vertex, model: claude-sonnet-4-5 }
auxiliary:
  title_generation: { provider: gemini, model: gemini-2.5-flash }
  compression: { provider: gemini, model: gemini-2.5-flash }
gateway:
  require_keys: false
  aliases: { "claude-haiku-*": title_generation, "claude-*": main, "gpt-*": main }
`;

const weatherSchema = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const } },
  required: ['city'],
};
const ASK = 'please call get_weather for Lisbon';

/** A service account whose token endpoint is the simulator's, and the scenario that knows its public key. */
async function serviceAccount(dir: string, simUrl: string): Promise<{ file: string; publicKey: string }> {
  const { generateKeyPairSync } = await import('node:crypto');
  const { writeFileSync } = await import('node:fs');
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const file = join(dir, 'vertex-sa.json');
  const key = {
    type: 'service_account',
    project_id: 'example-project',
    private_key_id: 'example',
    private_key: pair.privateKey,
    client_email: 'switchyard@example-project.iam.gserviceaccount.com',
    token_uri: `${simUrl}/oauth2/token`,
  };
  writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  return { file, publicKey: pair.publicKey };
}

test('Claude Code, Codex and an AI SDK app through Bedrock (an assumed role), Vertex and Gemini', async (t) => {
  using ws = tempWorkspace('switchyard-clouds-');
  await using sim = await startSimulator({ scenario: {} });
  const sa = await serviceAccount(ws.dir, sim.url);
  sim.setScenario({
    models: { [BEDROCK]: {}, 'claude-sonnet-4-5': {}, 'gemini-2.5-flash': {} },
    keys: {
      [SOURCE.id]: { aws_secret: SOURCE.secret },
      'AIza-example-gemini-key-0000003': {},
    },
    oauth2: { clients: { 'switchyard@example-project.iam.gserviceaccount.com': { public_key: sa.publicKey } } },
  });
  ws.write('aws/credentials', `[base]\naws_access_key_id = ${SOURCE.id}\naws_secret_access_key = ${SOURCE.secret}\n`);
  ws.write(
    'aws/config',
    '[profile bedrock-role]\nrole_arn = arn:aws:iam::123456789012:role/bedrock-caller\nsource_profile = base\nregion = us-east-1\n',
  );
  ws.write('switchyard.yaml', CONFIG);
  const env = {
    HOME: ws.dir,
    SWITCHYARD_HOME: join(ws.dir, 'home'),
    XDG_STATE_HOME: join(ws.dir, 'state'),
    XDG_CONFIG_HOME: join(ws.dir, 'config'),
    SIM_URL: sim.url,
    SA_FILE: sa.file,
    AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'aws/credentials'),
    AWS_CONFIG_FILE: join(ws.dir, 'aws/config'),
    AWS_ENDPOINT_URL_STS: sim.url,
  };
  const config = join(ws.dir, 'switchyard.yaml');
  await using gw = await spawnGateway(t, ['--config', config], env, ws.dir, { killAfterMs: 120_000 });
  const servedBy = (from: number): string[] =>
    sim
      .log()
      .slice(from)
      .map((c) => `${c.path} ${c.outcome}`);

  // Claude Code's shape: a streamed Messages tool loop with thinking, then its title request (a Haiku id).
  const claude = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
  const tools = [{ name: 'get_weather', input_schema: weatherSchema }];
  const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
  const first = await claude.messages
    .stream({ model: 'claude-opus-5-5', max_tokens: 2048, thinking, tools, messages: [{ role: 'user', content: ASK }] })
    .finalMessage();
  const use = first.content.find((b) => b.type === 'tool_use');
  assert.ok(use, JSON.stringify(first.content));
  assert.ok(first.content.some((b) => b.type === 'thinking'));
  const second = await claude.messages
    .stream({
      model: 'claude-opus-5-5',
      max_tokens: 2048,
      thinking,
      tools,
      messages: [
        { role: 'user', content: ASK },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"sky":"clear"}' }] },
      ],
    })
    .finalMessage();
  assert.equal(second.stop_reason, 'end_turn');
  const title = await claude.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'A title for this chat' }],
  });
  assert.equal(title.content[0]?.type, 'text');
  assert.equal(sim.sts().assumed, 1, 'the role was assumed once');

  // Codex's shape: Responses streamed over HTTP with a tool, then a compaction (the compression task).
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const fn = { type: 'function' as const, name: 'get_weather', parameters: weatherSchema, strict: false };
  const codex = await openai.responses.stream({ model: 'gpt-6.1-sol', input: ASK, tools: [fn] }).finalResponse();
  assert.ok(codex.output.some((o) => o.type === 'function_call'));
  const compact = await openai.responses.compact({ model: 'gpt-6.1-sol', input: 'Hello, then a long conversation' });
  assert.ok(compact.output.length > 0);

  // The session expires (its hour is up): the WebSocket turn meets ExpiredTokenException, the role is assumed again,
  // and the turn completes all the same.
  const before = sim.log().length;
  assert.equal(sim.expireSessions(), 1);
  const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/v1/responses`, {
    headers: { 'OpenAI-Beta': 'responses_websockets=2026-02-06' },
  });
  t.after(() => socket.close());
  const events: { type: string }[] = [];
  socket.on('message', (data) => events.push(JSON.parse(String(data)) as { type: string }));
  await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-6.1-sol', input: ASK, tools: [fn] }));
  await until('the WebSocket turn to end', () =>
    events.some((e) => ['response.completed', 'response.failed', 'error'].includes(e.type)),
  );
  assert.equal(events.at(-1)?.type, 'response.completed', JSON.stringify(events.at(-1)));
  assert.ok(events.some((e) => e.type === 'response.function_call_arguments.done'));
  assert.deepEqual(servedBy(before), [
    `/model/${encodeURIComponent(BEDROCK)}/converse-stream token_expired`,
    `/model/${encodeURIComponent(BEDROCK)}/converse-stream ok`,
  ]);
  assert.equal(sim.sts().assumed, 2, 'the role was assumed again');

  // An AI SDK app: streamText with a tool it runs, over the gateway's chat completions, and its title.
  const app = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused' });
  const run = streamText({
    model: app.chat('main'),
    prompt: ASK,
    tools: {
      get_weather: tool({ inputSchema: jsonSchema(weatherSchema), execute: async () => ({ sky: 'clear' }) }),
    },
    stopWhen: stepCountIs(2),
  });
  assert.match(await run.text, /got tool result: \{"sky":"clear"\}/);
  assert.equal((await run.steps)[0]?.toolCalls[0]?.toolName, 'get_weather');

  // Bedrock's region is throttled: the next request falls back to Claude on Vertex, answered.
  const throttledFrom = sim.log().length;
  sim.setRegions({ 'us-east-1': '429' });
  const fallback = await claude.messages
    .stream({ model: 'claude-opus-5-5', max_tokens: 512, tools, messages: [{ role: 'user', content: ASK }] })
    .finalMessage();
  assert.ok(fallback.content.some((b) => b.type === 'tool_use'));
  const paths = servedBy(throttledFrom);
  assert.match(paths[0]!, /converse-stream region_rate_limited$/);
  assert.match(paths.at(-1)!, /publishers\/anthropic\/models\/claude-sonnet-4-5:streamRawPredict ok$/);

  // The ledger prices each cloud's rows.
  let usage = { code: -1, stdout: '', stderr: '' };
  await until('every route in the ledger', async () => {
    usage = await runCliInProcess(['--config', config, 'usage', '--by', 'route', '--json'], { env, cwd: ws.dir });
    return ['bedrock/', 'vertex/', 'gemini/'].every((p) => usage.stdout.includes(p));
  });
  assert.equal(usage.code, 0, usage.stderr);
  type Group = { group: string; cost_usd: number; unpriced: number };
  const groups = (JSON.parse(usage.stdout) as { groups: Group[] }).groups;
  for (const prefix of ['bedrock/', 'vertex/', 'gemini/']) {
    const row = groups.find((g) => g.group.startsWith(prefix));
    assert.ok(row !== undefined && row.cost_usd > 0 && row.unpriced === 0, `${prefix} priced: ${JSON.stringify(row)}`);
  }
  assert.ok(!gw.stderr().includes(SOURCE.secret), 'the source secret is never logged');
  assert.ok(!gw.stderr().includes('IQoJsim-sts-session-token'), 'the session token is never logged');
});
