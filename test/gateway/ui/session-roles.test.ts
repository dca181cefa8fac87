// The dashboard's session cookie and roles without a browser: who a cookie names comes back only from a cookie this
// gateway signed and that has not expired; a role changed, another secret or a mangled value is nobody. A user's role
// is the strongest their claim values reach; what each role may do is the page's buttons and the server's 403.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSession, readSession, type Identity } from '../../../src/gateway/ui/session.ts';
import { allowedActions, mayTake, roleFromClaims } from '../../../src/gateway/ui/roles.ts';
import { ssoSchema } from '../../../src/config/sso.ts';

const SECRET = 'a-gateway-admin-key-for-sessions';
const NOW = Date.parse('2026-11-25T10:00:00Z');
const ADA: Identity = { who: 'ada.lovelace@example.com', role: 'operator', via: 'sso' };

test('a session names who signed in until it expires, and nobody once changed, foreign or mangled', () => {
  const cookie = newSession(SECRET, ADA, NOW, 3_600_000);
  assert.deepEqual(readSession(SECRET, cookie, NOW + 3_599_000), ADA);
  assert.equal(readSession(SECRET, cookie, NOW + 3_601_000), undefined, 'expired');
  assert.equal(readSession(SECRET, cookie.replace('.operator.', '.admin.'), NOW), undefined, 'role raised');
  assert.equal(readSession(SECRET, cookie.replace('.sso.', '.admin_key.'), NOW), undefined, 'how changed');
  assert.equal(readSession('another-secret', cookie, NOW), undefined, 'signed elsewhere');
  const [expires, ...rest] = cookie.split('.');
  assert.equal(readSession(SECRET, [Number(expires) + 86_400_000, ...rest].join('.'), NOW), undefined, 'extended');
  for (const bad of [undefined, '', 'x', cookie.slice(0, -1), `${cookie}.x`])
    assert.equal(readSession(SECRET, bad, NOW), undefined, JSON.stringify(bad));
});

test("a user's role is the strongest their claim values map to, and each role may take its actions only", () => {
  const sso = ssoSchema.parse({
    issuer: 'https://login.example.com',
    client_id: 'switchyard',
    redirect_url: 'https://gw.example.com/ui/sso/callback',
    roles: { viewer: ['engineering'], operator: ['oncall'], admin: ['platform'] },
  });
  assert.equal(roleFromClaims(sso, { groups: ['engineering', 'oncall'] }), 'operator');
  assert.equal(roleFromClaims(sso, { groups: 'platform' }), 'admin', 'a string claim');
  assert.equal(roleFromClaims(sso, { groups: ['sales', 7] }), undefined, 'nothing mapped');
  assert.equal(roleFromClaims(sso, {}), undefined, 'no claim');
  assert.deepEqual(allowedActions('viewer'), []);
  assert.deepEqual(allowedActions('operator'), ['reset', 'refresh']);
  assert.deepEqual(allowedActions('admin'), ['reset', 'refresh']);
  assert.throws(() => mayTake({ ...ADA, role: 'viewer' }, 'reset'), /reset needs the operator role; .* as viewer/);
  assert.doesNotThrow(() => mayTake(ADA, 'refresh'));
});
