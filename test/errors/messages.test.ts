import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  explainAllUnusable,
  explainFailure,
  explainMissing,
  explainRejected,
  rejectionLikelyTransient,
  REJECTION_LIKELY_TRANSIENT,
} from '../../src/errors/messages.ts';
import type { AuthVerdict } from '../../src/credentials/types.ts';
import type { CandidateStatus, CredentialSource } from '../../src/credentials/types.ts';
import { ERROR_KINDS } from '../../src/errors/kinds.ts';

const UTC = { timeZone: 'UTC', now: Date.parse('2026-06-12T10:30:00Z') };
const ENV: CredentialSource[] = [{ kind: 'env', where: 'env MIMO_API_KEY' }];
const CONFIG: CredentialSource[] = [{ kind: 'config', where: 'providers.mimo.api_key' }];

test('auth missing', () => {
  assert.equal(
    explainMissing({ provider: 'mimo', lookedIn: ['providers.mimo.api_key', 'env MIMO_API_KEY', '.env'] }),
    'no API key for provider mimo — looked in providers.mimo.api_key, env MIMO_API_KEY, .env; add one with `switchyard auth add mimo`',
  );
  // Without lookedIn, the default places are named.
  assert.match(explainMissing({ provider: 'mimo' }), /looked in providers\.mimo\.api_key, env MIMO_API_KEY, \.env/);
});

test('auth rejected, never worked', () => {
  assert.equal(
    explainRejected({ provider: 'mimo', key: { masked: 'sk-…a1b2', sources: ENV }, ...UTC }),
    'mimo rejected key sk-…a1b2 (from env MIMO_API_KEY); it has never been accepted — check or replace it',
  );
});

test('auth rejected, known-good', () => {
  assert.equal(
    explainRejected({
      provider: 'mimo',
      key: { masked: 'sk-…a1b2', sources: CONFIG },
      lastSuccessAt: Date.parse('2026-06-12T10:02:00Z'),
      retries: 2,
      ...UTC,
    }),
    'mimo rejected key sk-…a1b2 (config), which last worked at 10:02; retried 2× with backoff — likely a transient provider problem',
  );
});

test("rejected: the provider's own reason is quoted, as quota and rate-limit messages do", () => {
  assert.equal(
    explainRejected({
      provider: 'mimo',
      key: { masked: 'sk-…a1b2', sources: ENV },
      status: 403,
      providerMessage: 'Your API key does not have permission to use the specified resource.',
      ...UTC,
    }),
    'mimo rejected key sk-…a1b2 (from env MIMO_API_KEY) (HTTP 403: Your API key does not have permission to use the specified resource.); it has never been accepted — check or replace it',
  );
  assert.equal(
    explainRejected({
      provider: 'mimo',
      key: { masked: 'sk-…a1b2', sources: CONFIG },
      status: 401,
      providerMessage: 'Your authentication token has been invalidated.',
      lastSuccessAt: Date.parse('2026-06-12T10:02:00Z'),
      retries: 2,
      ...UTC,
    }),
    'mimo rejected key sk-…a1b2 (config) (HTTP 401: Your authentication token has been invalidated.), which last worked at 10:02; retried 2× with backoff — likely a transient provider problem',
  );
});

test('a last success on another day shows its date', () => {
  const msg = explainRejected({
    provider: 'mimo',
    key: { masked: 'sk-…a1b2', sources: CONFIG },
    lastSuccessAt: Date.parse('2026-06-10T08:15:00Z'),
    retries: 2,
    ...UTC,
  });
  assert.match(msg, /last worked at 2026-06-10 08:15;/);
});

test('explainFailure dispatches auth kinds to the same messages', () => {
  assert.equal(explainFailure({ kind: 'auth_missing', provider: 'mimo' }), explainMissing({ provider: 'mimo' }));
  assert.match(
    explainFailure({ kind: 'auth_rejected', provider: 'mimo', key: { masked: 'sk-…a1b2', sources: ENV } }),
    /never been accepted/,
  );
});

const KEY = { masked: 'sk-…a1b2', sources: CONFIG };
const EXPECT: { kind: (typeof ERROR_KINDS)[number]; facts: Record<string, unknown>; patterns: RegExp[] }[] = [
  {
    kind: 'quota',
    facts: {
      key: KEY,
      until: Date.parse('2026-06-12T11:30:00Z'),
      status: 429,
      providerMessage: 'You exceeded your current quota',
    },
    patterns: [/sk-…a1b2 \(config\)/, /quota or credit/, /until 11:30:00/, /billing/, /switchyard auth add mimo/],
  },
  {
    kind: 'rate_limited',
    facts: { key: KEY, until: Date.parse('2026-06-12T10:32:10Z') },
    patterns: [/rate-limited key sk-…a1b2/, /until 10:32:10/],
  },
  {
    kind: 'context_length',
    facts: { model: 'mimo-v2.5-pro', contextWindow: 128000, estimatedTokens: 140000 },
    patterns: [/128000 tokens/, /providers\.mimo\.models\.mimo-v2\.5-pro\.context_window/, /140000/],
  },
  {
    kind: 'bad_request',
    facts: { model: 'm', status: 400, providerMessage: 'bad temperature' },
    patterns: [/invalid/, /bad temperature/, /no fallback/],
  },
  { kind: 'content_filter', facts: { model: 'm' }, patterns: [/content filter/, /rephrase/] },
  { kind: 'not_found', facts: { model: 'mimo-v9' }, patterns: [/"mimo-v9"/, /main\.model/, /providers\.mimo\.models/] },
  {
    kind: 'not_found',
    facts: { model: 'mimo-v9', origin: 'auxiliary.compression.fallback_chain[0]' },
    patterns: [/auxiliary\.compression\.fallback_chain\[0\]\.model/],
  },
  {
    kind: 'not_found',
    facts: { model: 'mimo-v9', origin: 'request' },
    patterns: [/the request named it/, /GET \/v1\/models/],
  },
  // The key may not use this model: the key is named, the provider quoted, and the key is not blamed.
  {
    kind: 'not_found',
    facts: {
      model: 'qwen3-32b',
      key: KEY,
      modelAccessDenied: true,
      status: 403,
      providerMessage: 'The model `qwen3-32b` is blocked at the organization level.',
      origin: 'fallback[0]',
    },
    patterns: [
      /^mimo does not allow key sk-…a1b2 \(config\) to use model "qwen3-32b" \(HTTP 403: The model `qwen3-32b` is blocked at the organization level\.\) — the key itself is fine/,
      /fallback\[0\]\.model/,
    ],
  },
  {
    kind: 'connection',
    facts: { baseUrl: 'https://api.example.com/v1', code: 'ECONNREFUSED' },
    patterns: [/https:\/\/api\.example\.com\/v1/, /ECONNREFUSED/, /providers\.mimo\.base_url/],
  },
  { kind: 'timeout', facts: { model: 'm', timeoutMs: 60_000 }, patterns: [/within 1m/, /providers\.mimo\.timeout/] },
  {
    kind: 'server',
    facts: { model: 'm', status: 500, retries: 2 },
    patterns: [/server error/, /HTTP 500/, /retried 2×/],
  },
  {
    kind: 'overloaded',
    facts: { model: 'm', status: 529, retries: 1 },
    patterns: [/overloaded/, /HTTP 529/, /retried 1×/],
  },
];

for (const e of EXPECT) {
  test(`explainFailure: ${e.kind}`, () => {
    const msg = explainFailure({ kind: e.kind, provider: 'mimo', ...UTC, ...e.facts });
    for (const p of e.patterns) assert.match(msg, p);
    assert.ok(!msg.includes('\n'), 'one line');
  });
}

test('every kind has an explanation', () => {
  for (const kind of ERROR_KINDS) assert.ok(explainFailure({ kind, provider: 'p' }).length > 20, kind);
});

test('all keys unusable lists each key with state and until-when', () => {
  const base = { provider: 'mimo', successes: 0, failures: 1, uses: 1, updated_at: 0 };
  const candidates: CandidateStatus[] = [
    {
      credential: { provider: 'mimo', fingerprint: 'aaa', masked: 'sk-…a1b2', sources: CONFIG },
      usable: false,
      health: {
        ...base,
        fingerprint: 'aaa',
        state: 'cooling',
        reason: 'rate_limited',
        until: Date.parse('2026-06-12T10:32:10Z'),
      },
    },
    {
      credential: { provider: 'mimo', fingerprint: 'bbb', masked: 'sk-…c3d4', sources: ENV },
      usable: false,
      health: { ...base, fingerprint: 'bbb', state: 'rejected', until: Date.parse('2026-06-12T11:30:00Z') },
    },
    {
      credential: {
        provider: 'mimo',
        fingerprint: 'ccc',
        masked: 'sk-…e5f6',
        sources: [{ kind: 'stored', where: 'stored "backup"' }],
      },
      usable: false,
      health: {
        ...base,
        fingerprint: 'ccc',
        state: 'cooling',
        reason: 'quota',
        until: Date.parse('2026-06-12T11:00:00Z'),
        last_success_at: 1,
      },
    },
  ];
  const msg = explainAllUnusable({
    provider: 'mimo',
    candidates,
    earliestUntil: Date.parse('2026-06-12T10:32:10Z'),
    ...UTC,
  });
  assert.match(msg, /^every key for mimo is unusable/);
  assert.match(msg, /sk-…a1b2 \(config\): rate-limited until 10:32:10/);
  assert.match(msg, /sk-…c3d4 \(from env MIMO_API_KEY\): rejected \(never worked\) until 11:30:00/);
  assert.match(msg, /sk-…e5f6 \(stored "backup"\): out of quota until 11:00:00/);
  assert.match(msg, /usable again at 10:32:10/);
  assert.doesNotMatch(msg, /rate_limited|auth_suspect|: quota /, 'words, not state names');
  assert.doesNotMatch(msg, /invalid key/);
});

test('connection: refused names the transport error; a mid-stream cut says so', () => {
  const refused = explainFailure({
    kind: 'connection',
    provider: 'mimo',
    baseUrl: 'http://127.0.0.1:9/v1',
    code: 'ECONNREFUSED',
    providerMessage: 'connect ECONNREFUSED 127.0.0.1:9',
  });
  assert.match(refused, /^could not reach mimo at http:\/\/127\.0\.0\.1:9\/v1 \(connect ECONNREFUSED 127\.0\.0\.1:9\)/);
  const cut = explainFailure({
    kind: 'connection',
    provider: 'mimo',
    code: 'stream_cut',
    providerMessage: 'stream ended before it was complete',
  });
  assert.match(cut, /broke in the middle of the answer/);
  // A whole answer cut in its body: the provider was reached — never "could not reach … check base_url".
  const answerCut = explainFailure({
    kind: 'connection',
    provider: 'mimo',
    baseUrl: 'http://127.0.0.1:9/v1',
    code: 'answer_cut',
    providerMessage: 'other side closed',
    retries: 1,
  });
  assert.match(
    answerCut,
    /^the connection to mimo at http:\/\/127\.0\.0\.1:9\/v1 broke in the middle of the answer \(other side closed\); retried 1×/,
  );
  assert.doesNotMatch(answerCut, /could not reach/);
});

test('a rejection is called likely transient exactly where REJECTION_LIKELY_TRANSIENT says so (the gateway reads the table)', () => {
  const worked = Date.parse('2026-06-12T10:02:00Z');
  for (const [verdict, transient] of Object.entries(REJECTION_LIKELY_TRANSIENT) as [AuthVerdict, boolean][]) {
    const f = {
      provider: 'mimo',
      key: { masked: 'sk-…a1b2', sources: CONFIG },
      lastSuccessAt: worked,
      verdict,
      retries: 2,
      rejectedSince: worked,
      ...UTC,
    };
    assert.equal(/likely a transient/.test(explainRejected(f)), transient, verdict);
    assert.equal(rejectionLikelyTransient(f), transient, verdict);
  }
  // A key that never worked is "never accepted", whatever verdict it is handed: not transient either way.
  assert.equal(rejectionLikelyTransient({ verdict: 'known_good' }), false);
  assert.deepEqual(
    Object.entries(REJECTION_LIKELY_TRANSIENT)
      .filter(([, t]) => t)
      .map(([v]) => v),
    ['known_good'],
  );
});
