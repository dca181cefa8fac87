// Bedrock's credentials end to end through the router against the simulator, which recomputes every SigV4
// signature: a profile's session keys (`aws_credentials: { profile }`) minted from the shared credentials file, an
// expired session (ExpiredTokenException) re-minted once from the renewed file with no failed request, and a wrong
// secret or unknown key refused as AWS refuses them; throttling and quota classified.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { harness, hello, FAST_RETRY } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { closePools } from '../../src/providers/registry.ts';
import { bedrockAdapter } from '../../src/providers/bedrock/adapter.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import type { SendContext } from '../../src/providers/types.ts';
import { mask } from '../../src/config/mask.ts';
import { toConverseRequest } from '../../src/providers/bedrock/request.ts';

after(closePools);
const ws = tempWorkspace('switchyard-aws-');
after(() => ws.cleanup());

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const session = (n: number): { id: string; secret: string; token: string } => ({
  id: `ASIASIM00000000000${n}`,
  secret: `simSecretKey/${n}+abcdefghijklmnopqrstuvw`,
  token: `IQoJb3JpZ2luX2VjE-sim-session-${n}`,
});
const credentialsFile = (s: ReturnType<typeof session>): string =>
  `[dev]\naws_access_key_id = ${s.id}\naws_secret_access_key = ${s.secret}\naws_session_token = ${s.token}\n`;

describe('bedrock credentials', () => {
  it('signs with a profile session, and re-mints an expired one from the renewed file with no failed request', async () => {
    const [first, second] = [session(1), session(2)];
    ws.write('aws/credentials', credentialsFile(first));
    await using h = await harness({
      scenario: {
        models: { [MODEL]: {} },
        keys: {
          // The first session answers once, then is expired.
          [first.id]: {
            aws_secret: first.secret,
            aws_session_token: first.token,
            script: ['ok', '401_token_expired'],
            loop_script: false,
          },
          [second.id]: { aws_secret: second.secret, aws_session_token: second.token },
        },
      },
      config: (u) => ({
        providers: {
          br: { type: 'bedrock', base_url: u.anthropic, region: 'us-east-1', aws_credentials: { profile: 'dev' } },
        },
        main: { provider: 'br', model: MODEL },
        retry: FAST_RETRY,
      }),
      env: { AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'aws/credentials'), AWS_CONFIG_FILE: join(ws.dir, 'aws/none') },
    });
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    // The session is renewed on disk (`aws sso login`, a role assumed again); the next call meets the old one expired.
    ws.write('aws/credentials', credentialsFile(second));
    const streamed = await h.router.chat({ messages: hello, stream: true });
    assert.equal(streamed.status, 'ok');
    const keys = h.sim.log().map((c) => c.key);
    assert.deepEqual(keys, [first.id, first.id, second.id]);
    assert.deepEqual(
      h.sim.log().map((c) => c.outcome),
      ['ok', 'token_expired', 'ok'],
    );
    assert.ok(h.events.some((e) => e.type === 'attempt' && /re-minted after 40[13]/.test(e.attempt.note ?? '')));
  });

  it('an assumed role (role_arn + source_profile) is assumed at STS, and its session re-assumed once it expires', async () => {
    ws.write(
      'role/credentials',
      `[base]\naws_access_key_id = AKIASIMBASE000000001\naws_secret_access_key = base/secret+1\n`,
    );
    ws.write(
      'role/config',
      `[profile bedrock-role]\nrole_arn = arn:aws:iam::123456789012:role/bedrock-caller\nsource_profile = base\nregion = us-east-1\n`,
    );
    await using h = await harness({
      scenario: { models: { [MODEL]: {} }, keys: { AKIASIMBASE000000001: { aws_secret: 'base/secret+1' } } },
      config: (u) => ({
        providers: {
          br: {
            type: 'bedrock',
            base_url: u.anthropic,
            region: 'us-east-1',
            aws_credentials: { profile: 'bedrock-role' },
          },
        },
        main: { provider: 'br', model: MODEL },
        retry: FAST_RETRY,
      }),
      env: (u) => ({
        AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'role/credentials'),
        AWS_CONFIG_FILE: join(ws.dir, 'role/config'),
        AWS_ENDPOINT_URL_STS: u.anthropic,
      }),
    });
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    assert.equal(h.sim.sts().assumed, 1);
    // The hour passes: the session is refused as expired, assumed again, and the request answered all the same.
    assert.equal(h.sim.expireSessions(), 1);
    assert.equal((await h.router.chat({ messages: hello, stream: true })).status, 'ok');
    assert.equal(h.sim.sts().assumed, 2);
    const log = h.sim.log();
    assert.deepEqual(
      log.map((c) => c.outcome),
      ['ok', 'token_expired', 'ok'],
    );
    assert.match(log[0]!.key, /^ASIASIMSTS/, 'Bedrock was called with the session, not the source keys');
    assert.notEqual(log[2]!.key, log[0]!.key);
  });

  it('an SSO profile (sso_session) gets its role credentials with the token `aws sso login` cached', async () => {
    // The SDK reads the SSO token cache under HOME and reaches SSO at AWS_ENDPOINT_URL_SSO from the process itself.
    const saved = { HOME: process.env['HOME'], AWS_ENDPOINT_URL_SSO: process.env['AWS_ENDPOINT_URL_SSO'] };
    await using h = await harness({
      scenario: { models: { [MODEL]: {} }, keys: { 'sso-access-token-0001': {} } },
      config: (u) => ({
        providers: {
          br: { type: 'bedrock', base_url: u.anthropic, region: 'us-east-1', aws_credentials: { profile: 'dev-sso' } },
        },
        main: { provider: 'br', model: MODEL },
        retry: FAST_RETRY,
      }),
      env: {
        AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'sso/credentials'),
        AWS_CONFIG_FILE: join(ws.dir, 'sso/config'),
      },
    });
    try {
      process.env['HOME'] = join(ws.dir, 'sso-home');
      process.env['AWS_ENDPOINT_URL_SSO'] = h.sim.url;
      ws.write('sso/credentials', '');
      ws.write(
        'sso/config',
        '[profile dev-sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = BedrockUser\nregion = us-east-1\n' +
          '[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n',
      );
      const cache = createHash('sha1').update('corp').digest('hex');
      ws.write(
        `sso-home/.aws/sso/cache/${cache}.json`,
        JSON.stringify({
          accessToken: 'sso-access-token-0001',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          region: 'us-east-1',
          startUrl: 'https://corp.awsapps.com/start',
        }),
      );
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      assert.match(h.sim.log()[0]!.key, /^ASIASIMSTS/, 'Bedrock was called with the role credentials SSO gave');
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('a role whose source_profile is an SSO profile: role credentials from SSO, then the role assumed at STS', async () => {
    const saved = { HOME: process.env['HOME'], AWS_ENDPOINT_URL_SSO: process.env['AWS_ENDPOINT_URL_SSO'] };
    await using h = await harness({
      scenario: { models: { [MODEL]: {} }, keys: { 'sso-access-token-0002': {} } },
      config: (u) => ({
        providers: {
          br: { type: 'bedrock', base_url: u.anthropic, region: 'us-east-1', aws_credentials: { profile: 'invoker' } },
        },
        main: { provider: 'br', model: MODEL },
        retry: FAST_RETRY,
      }),
      env: (u) => ({
        AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'sso-role/credentials'),
        AWS_CONFIG_FILE: join(ws.dir, 'sso-role/config'),
        AWS_ENDPOINT_URL_STS: u.anthropic,
      }),
    });
    try {
      process.env['HOME'] = join(ws.dir, 'sso-role-home');
      process.env['AWS_ENDPOINT_URL_SSO'] = h.sim.url;
      ws.write('sso-role/credentials', '');
      ws.write(
        'sso-role/config',
        '[profile invoker]\nrole_arn = arn:aws:iam::123456789012:role/BedrockInvoke\nsource_profile = corp-sso\n' +
          'role_session_name = switchyard-test\nregion = us-east-1\n' +
          '[profile corp-sso]\nsso_session = corp2\nsso_account_id = 123456789012\nsso_role_name = Base\nregion = us-east-1\n' +
          '[sso-session corp2]\nsso_start_url = https://corp2.awsapps.com/start\nsso_region = us-east-1\n',
      );
      const cache = createHash('sha1').update('corp2').digest('hex');
      ws.write(
        `sso-role-home/.aws/sso/cache/${cache}.json`,
        JSON.stringify({
          accessToken: 'sso-access-token-0002',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          region: 'us-east-1',
          startUrl: 'https://corp2.awsapps.com/start',
        }),
      );
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      // Two sessions: SSO's for the base role, then STS's for the role assumed with it; Bedrock saw the second.
      assert.equal(h.sim.sts().assumed, 2);
      assert.equal(h.sim.log()[0]!.key, 'ASIASIMSTS0000000002', 'Bedrock was called with the assumed role');
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('AWS keys are shown by their access key id, never a piece of the secret or session token', () => {
    assert.equal(mask('ASIASIM00000000000001:simSecret/1+abc:IQoJb3JpZ2luX2VjE-token'), 'ASIA…0001');
    assert.equal(mask('AKIASIMGOOD000000001:right-secret'), 'AKIA…0001');
  });

  it('structured output is asked for in the system prompt, which Converse takes from every model', () => {
    const body = toConverseRequest({
      model: MODEL,
      messages: [{ role: 'user', content: 'weather?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    assert.match(JSON.stringify(body['system']), /Answer with one JSON object.*JSON Schema/);
  });

  it("Claude's thinking comes back signed and goes back with its tool turn, whole and streamed", async () => {
    await using sim = await startSimulator({
      scenario: { models: { [MODEL]: {} }, keys: { AKIASIMTHINK00000001: { aws_secret: 't' } } },
    });
    const ctx: SendContext = {
      provider: 'br',
      baseUrl: sim.url,
      apiKey: 'AKIASIMTHINK00000001:t',
      headers: {},
      timeoutMs: 10_000,
      awsRegion: 'us-east-1',
    };
    const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
    const ask = { role: 'user' as const, content: 'please call get_weather for Oslo' };
    const req = {
      model: MODEL,
      messages: [ask],
      tools: [weather],
      anthropic_fields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
    };
    const first = await bedrockAdapter.send(req, ctx);
    assert.equal(first.thinking?.[0]?.type, 'thinking');
    const call = first.tool_calls[0]!;
    const next = {
      ...req,
      messages: [
        ask,
        { role: 'assistant' as const, content: null, parts: first.thinking!, tool_calls: [call] },
        { role: 'tool' as const, tool_call_id: call.id, content: '{"sky":"grey"}' },
      ],
    };
    const events = [];
    for await (const e of bedrockAdapter.stream(next, ctx)) events.push(e);
    assert.equal(events.at(-1)?.type, 'finish');
    assert.ok(
      events.some((e) => e.type === 'thinking_signature'),
      'the streamed answer thought too',
    );
    // A signature Bedrock did not give is refused, as a thinking block signed elsewhere is.
    const forged = {
      ...next,
      messages: next.messages.map((m, i) =>
        i === 1 ? { ...m, parts: [{ type: 'thinking' as const, thinking: 'x', signature: 'forged' }] } : m,
      ),
    };
    const err = await bedrockAdapter.send(forged, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(UpstreamError.isInstance(err));
    assert.equal(err.thinkingSignature, true);
  });

  it('a wrong secret, an unknown key and no signature are refused as AWS refuses them', async () => {
    await using sim = await startSimulator({
      scenario: { models: { [MODEL]: {} }, keys: { AKIASIMGOOD000000001: { aws_secret: 'right-secret' } } },
    });
    const ctx = (apiKey: string): SendContext => ({
      provider: 'br',
      baseUrl: sim.url,
      apiKey,
      headers: {},
      timeoutMs: 10_000,
      awsRegion: 'us-east-1',
    });
    const req = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }] };
    const ok = await bedrockAdapter.send(req, ctx('AKIASIMGOOD000000001:right-secret'));
    assert.match(ok.content, /reply to: hi/);
    for (const [key, code] of [
      ['AKIASIMGOOD000000001:wrong-secret', 'InvalidSignatureException'],
      ['AKIASIMUNKNOWN000002:any-secret', 'UnrecognizedClientException'],
    ] as const) {
      const err = await bedrockAdapter.send(req, ctx(key)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(UpstreamError.isInstance(err));
      assert.equal(err.kind, 'auth_rejected');
      assert.equal(err.code, code);
      assert.ok(!err.message.includes('secret'), err.message);
    }
  });

  it('throttling rests the key and a throttled region falls back to the next; a spent quota is quota', async () => {
    await using h = await harness({
      scenario: {
        models: { [MODEL]: {} },
        keys: {
          AKIASIMEAST000000001: { aws_secret: 's1', rate_limit_after: 0, reset: '20s', reset_headers: [] },
          AKIASIMWEST000000002: { aws_secret: 's2' },
          AKIASIMQUOTA00000003: { aws_secret: 's3', script: ['429_quota'], loop_script: true },
        },
      },
      config: (u) => ({
        providers: {
          east: { type: 'bedrock', base_url: u.anthropic, region: 'us-east-1', api_key: 'AKIASIMEAST000000001:s1' },
          west: { type: 'bedrock', base_url: u.anthropic, region: 'us-west-2', api_key: 'AKIASIMWEST000000002:s2' },
        },
        main: { provider: 'east', model: MODEL },
        fallback: [{ provider: 'west', model: MODEL }],
        retry: FAST_RETRY,
      }),
    });
    const res = await h.router.chat({ messages: hello });
    assert.equal(res.status, 'ok');
    assert.equal(res.route, `west/${MODEL}`);
    assert.ok(res.trail.some((a) => a.outcome === 'rate_limited'));
    const quota = await bedrockAdapter
      .send(
        { model: MODEL, messages: [{ role: 'user', content: 'hi' }] },
        {
          provider: 'q',
          baseUrl: h.sim.url,
          apiKey: 'AKIASIMQUOTA00000003:s3',
          headers: {},
          timeoutMs: 10_000,
          awsRegion: 'us-east-1',
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(UpstreamError.isInstance(quota));
    assert.equal(quota.kind, 'quota');
  });
});
