// A vertex provider's Google access token minted from a service-account key file (`google_credentials`): the
// simulator's token endpoint checks the RS256 assertion against the account's public key, so these prove the signing,
// not just the request. One token serves many calls (Claude and Gemini models alike); an invalidated one is re-minted
// once with no failed call; a key file signed by the wrong key is a failed mint that says so.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { harness, hello, failure, FAST_RETRY } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { closePools } from '../../src/providers/registry.ts';

after(closePools);
const ws = tempWorkspace('switchyard-gsa-');
after(() => ws.cleanup());

const EMAIL = 'switchyard@sim-project.iam.gserviceaccount.com';
const pair = (): { publicKey: string; privateKey: string } =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const account = pair();

/** A key file as the Cloud console writes one, its token_uri the simulator's. */
function keyFile(name: string, sim: string, privateKey: string): string {
  ws.write(
    name,
    JSON.stringify({
      type: 'service_account',
      project_id: 'sim-project',
      private_key_id: 'k1',
      private_key: privateKey,
      client_email: EMAIL,
      client_id: '1234567890',
      token_uri: `${sim}/oauth2/token`,
    }),
  );
  return join(ws.dir, name);
}

const vertexConfig = (sim: string, file: string, model = 'claude-sonnet-4-5'): unknown => ({
  providers: {
    vx: { type: 'vertex', base_url: sim, project: 'sim-project', region: 'us-east5', google_credentials: file },
  },
  main: { provider: 'vx', model },
  retry: FAST_RETRY,
});

const scenario = {
  models: { 'claude-sonnet-4-5': {}, 'gemini-2.5-flash': {} },
  oauth2: { clients: { [EMAIL]: { public_key: account.publicKey } } },
};

describe('google service account credentials', () => {
  it('mints one access token from the key file and sends it to Claude and Gemini models as Bearer', async () => {
    await using h = await harness({
      scenario,
      config: (u) => vertexConfig(u.anthropic, keyFile('sa.json', u.anthropic, account.privateKey)),
    });
    for (let i = 0; i < 3; i++) assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    const streamed = await h.router.chat({ messages: hello, stream: true });
    assert.equal(streamed.status, 'ok');
    const gemini = await h.router.chat({ messages: hello, route: { provider: 'vx', model: 'gemini-2.5-flash' } });
    assert.equal(gemini.status, 'ok');
    assert.equal(h.sim.oauth2()[EMAIL]!.issued, 1, 'one token for every call');
    const paths = h.sim.log().map((c) => c.path);
    assert.ok(
      paths.includes(
        '/v1/projects/sim-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5:rawPredict',
      ),
    );
    assert.ok(
      paths.includes(
        '/v1/projects/sim-project/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent',
      ),
    );
    assert.ok(
      h.sim.log().every((c) => c.key.startsWith('sim-at-')),
      'every call carried a minted token',
    );
  });

  it('re-mints an invalidated token once, with no failed call', async () => {
    await using h = await harness({
      scenario,
      config: (u) => vertexConfig(u.anthropic, keyFile('sa2.json', u.anthropic, account.privateKey)),
    });
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    h.sim.invalidateTokens(EMAIL);
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    assert.equal(h.sim.oauth2()[EMAIL]!.issued, 2);
    assert.ok(h.events.some((e) => e.type === 'attempt' && e.attempt.note === 're-minted after 401'));
  });

  it('google_credentials: adc reads Application Default Credentials (an authorized user) where GOOGLE_APPLICATION_CREDENTIALS says', async () => {
    await using h = await harness({
      scenario: {
        ...scenario,
        oauth2: {
          clients: {
            'adc-client.apps.googleusercontent.com': {
              secret: 'adc-secret',
              refresh_token: 'adc-refresh-1',
              rotate: false,
            },
          },
        },
      },
      config: (u) => {
        ws.write(
          'adc.json',
          JSON.stringify({
            type: 'authorized_user',
            client_id: 'adc-client.apps.googleusercontent.com',
            client_secret: 'adc-secret',
            refresh_token: 'adc-refresh-1',
            token_uri: `${u.anthropic}/oauth2/token`,
          }),
        );
        return vertexConfig(u.anthropic, 'adc');
      },
      env: { GOOGLE_APPLICATION_CREDENTIALS: join(ws.dir, 'adc.json') },
    });
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    assert.equal(h.sim.oauth2()['adc-client.apps.googleusercontent.com']!.refreshed, 1, 'one token for both calls');
  });

  for (const [name, value, env] of [
    ['google_credentials: metadata', 'metadata', {}],
    ['google_credentials: adc with no ADC file', 'adc', { HOME: ws.dir }],
  ] as const)
    it(`${name} takes the instance's token from the metadata server (GCE_METADATA_HOST), re-minted once when refused`, async () => {
      await using h = await harness({
        scenario: { ...scenario, oauth2: { clients: { metadata: { expires_in: '1h' } } } },
        config: (u) => vertexConfig(u.anthropic, value),
        env: (u) => ({ ...env, GCE_METADATA_HOST: new URL(u.anthropic).host }),
      });
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      assert.equal((await h.router.chat({ messages: hello, stream: true })).status, 'ok');
      assert.equal(h.sim.oauth2()['metadata']!.issued, 1, 'one token for both calls');
      h.sim.invalidateTokens('metadata');
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      assert.equal(h.sim.oauth2()['metadata']!.issued, 2);
    });

  it('a key file signed by another key is refused at the token endpoint, and the failure says so', async () => {
    const stranger = pair();
    await using h = await harness({
      scenario,
      config: (u) => vertexConfig(u.anthropic, keyFile('wrong.json', u.anthropic, stranger.privateKey)),
    });
    const err = await failure(h.router.chat({ messages: hello }));
    assert.match(err.message, /google service account .*wrong\.json.*invalid_grant: Invalid JWT Signature/);
    assert.ok(!err.message.includes('PRIVATE KEY'), 'no key material in the message');
    assert.equal(h.sim.log().length, 0, 'nothing was sent without a token');
  });
});
