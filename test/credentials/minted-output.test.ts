// What a key command may print: a bare token, or JSON with a token and an expiry in the conventions of AWS's
// credential_process and Hermes' key_cmd; everything else refused with what was wrong, not with what was printed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenOutput } from '../../src/credentials/minted/output.ts';

const NOW = Date.parse('2026-01-01T10:00:00Z');

describe('key command output', () => {
  it('takes a bare token, trimmed', () => {
    assert.deepEqual(parseTokenOutput('  ya29.token-abc\n', NOW), { ok: true, value: { token: 'ya29.token-abc' } });
  });

  it('takes token or access_token with expires_in seconds', () => {
    assert.deepEqual(parseTokenOutput('{"access_token":"a1","expires_in":3600}', NOW), {
      ok: true,
      value: { token: 'a1', expiresAt: NOW + 3_600_000 },
    });
    assert.deepEqual(parseTokenOutput('{"token":"t1","expires_in":"60"}', NOW), {
      ok: true,
      value: { token: 't1', expiresAt: NOW + 60_000 },
    });
  });

  it("takes expires_at as an ISO date, epoch seconds or epoch milliseconds, and AWS's Expiration", () => {
    const at = NOW + 600_000;
    for (const v of [JSON.stringify(new Date(at).toISOString()), String(at / 1000), String(at)]) {
      assert.deepEqual(
        parseTokenOutput(`{"token":"t","expires_at":${v}}`, NOW),
        { ok: true, value: { token: 't', expiresAt: at } },
        v,
      );
    }
    assert.deepEqual(parseTokenOutput(`{"token":"t","Expiration":"${new Date(at).toISOString()}"}`, NOW), {
      ok: true,
      value: { token: 't', expiresAt: at },
    });
  });

  it('refuses binary noise and text outside ASCII, bare or in JSON: no token holds it, and a header would mangle it', () => {
    assert.deepEqual(parseTokenOutput(Buffer.from([0x74, 0xff, 0xfe, 0x61]).toString('utf8'), NOW), {
      ok: false,
      why: 'it printed a character outside ASCII (binary output?), which no token holds',
    });
    assert.deepEqual(parseTokenOutput('{"token":"tok\u00e9"}', NOW), {
      ok: false,
      why: 'its token holds a character outside ASCII, which no token holds',
    });
  });

  it('refuses nothing, several lines, JSON without a token, a bad expiry and a token already expired', () => {
    const why = (text: string): string => {
      const r = parseTokenOutput(text, NOW);
      assert.equal(r.ok, false);
      return r.ok ? '' : r.why;
    };
    assert.equal(why('\n'), 'it printed nothing');
    assert.match(why('secret-a\nsecret-b'), /^it printed 2 lines/);
    assert.doesNotMatch(why('secret-a\nsecret-b'), /secret/);
    assert.match(why('{"key":"x"}'), /no "token" or "access_token"/);
    assert.match(why('{"token":"x","expires_in":"soon"}'), /"expires_in" is not a number of seconds/);
    assert.match(why('{"token":"x","expires_at":"tomorrow"}'), /"expires_at" is neither a date nor epoch seconds/);
    assert.match(why(`{"token":"x","expires_at":${NOW / 1000 - 5}}`), /had expired already/);
    assert.match(why('{not json'), /not JSON/);
  });
});
