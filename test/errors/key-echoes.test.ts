// A rejected key echoed back by a provider, whole, half-masked or cut off: what reaches our messages shows no more
// of it than our own masked form (`sk-…wxyz`: a short prefix and the last 4 characters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanMessage, readErrorBody, unparsableMessage } from '../../src/errors/error-body.ts';
import { classifyHttp } from '../../src/errors/classify.ts';
import { mask } from '../../src/config/mask.ts';
import { scrubSecrets } from '../../src/log.ts';

const OPENAI_KEY = 'sk-proj-Q7vN2xK9mB4tR8wL1cZ6hJ3pF5yD0sGaE7uV2nM4kX9qT1rW8bL3zC6fH5jP0dY2gA7sE4oI9uK1wxyz';
const ANTHROPIC_KEY =
  'sk-ant-api03-Hq8Zt2Lm5Rk9Wv3Nc7Xb1Pd4Fs6Gj0Ty2Ue8Io5Ah3Kl9Mn1Bv7Cx4Zq6Wr0Ep2Ss-AbCdEfGhIj-9aB3QwEr';

/** Any 4 consecutive characters of `key` in `text`, other than its last 4 (shown by mask() anyway). */
function leaked(text: string, key: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 4 < key.length; i++) {
    const piece = key.slice(i, i + 4);
    // The key's prefix (`sk-p`) is shown as `sk-` by mask(); its 4th character is no more telling than the prefix.
    if (i === 0 && /^[a-z]{2}-/.test(piece)) continue;
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

/** The ways providers (and proxies in front of them) have been seen quoting a key they refused. */
function echoes(key: string): Record<string, string> {
  const tail = key.slice(-4);
  return {
    'OpenAI, prefix and last 4': `Incorrect API key provided: ${key.slice(0, 8)}${'*'.repeat(60)}${tail}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'OpenAI, older: first characters and last 4': `Incorrect API key provided: ${key.slice(0, 12)}${'*'.repeat(40)}${tail}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'first characters, then …': `Incorrect API key provided: ${key.slice(0, 14)}…${tail}.`,
    'first characters, then ...': `invalid api key '${key.slice(0, 14)}...'`,
    bullets: `API key ${key.slice(0, 10)}••••••••${tail} is not valid`,
    'cut off mid-way': `Incorrect API key provided: ${key.slice(0, 30)}`,
    'cut off mid-way, quoted': `{"detail":"no such key: '${key.slice(0, 40)}'"}`,
    'the whole key': `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'cut off mid-way, then more': `Authorization header 'Bearer ${key.slice(0, 24)}' is invalid`,
    'prefix, mask and more than the last 4': `Incorrect API key provided: ${key.slice(0, 3)}${'*'.repeat(30)}${key.slice(-10)}.`,
  };
}

for (const [name, key] of [
  ['OpenAI', OPENAI_KEY],
  ['Anthropic', ANTHROPIC_KEY],
] as const) {
  test(`a refused ${name} key echoed back shows no more than its masked form, the call's secrets known`, () => {
    for (const [form, message] of Object.entries(echoes(key))) {
      const out = cleanMessage(message, [key]);
      assert.deepEqual(leaked(out, key), [], `${form}: ${out}`);
    }
  });

  test(`a refused ${name} key echoed back half-masked shows no more than its masked form, from the scrubber alone`, () => {
    // Without the call's secrets (a log line, a key we did not send): the key-shaped scrubber is all there is. A cut
    // with no mark of it (`cut off mid-way`) cannot be told from a whole key there; the known secret catches it above.
    for (const [form, message] of Object.entries(echoes(key))) {
      if (form.startsWith('cut off')) continue;
      const out = scrubSecrets(message);
      assert.deepEqual(leaked(out, key), [], `${form}: ${out}`);
    }
  });
}

test('a half-masked echo keeps only what the provider showed of the end, as mask() shows it', () => {
  assert.equal(
    scrubSecrets(
      'Incorrect API key provided: sk-proj-abcd****************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.',
    ),
    'Incorrect API key provided: …wxyz. You can find your API key at https://platform.openai.com/account/api-keys.',
  );
  assert.equal(
    scrubSecrets('Incorrect API key provided: sk-abc12***************************************xy91.'),
    'Incorrect API key provided: …xy91.',
  );
  assert.equal(scrubSecrets('key sk-ant-api03-Hq8Zt2…EpqR refused'), 'key …EpqR refused');
  assert.equal(
    scrubSecrets('key sk-abcdefgh123... refused'),
    'key [redacted] refused',
    'cut off: nothing of its end is known',
  );
  assert.equal(scrubSecrets('key gsk_ABCDEF***1234 refused'), 'key …1234 refused');
  assert.equal(
    scrubSecrets('Incorrect API key provided: sk-*****************ijklwxyz.'),
    'Incorrect API key provided: …wxyz.',
    'more than the last 4',
  );
  // What shows no more than mask() is left as it is: our own masked form, a prefix and the end.
  for (const text of [
    'rejected key sk-…a1b2 (config)',
    'Incorrect API key provided: sk-****a1b2.',
    'a list of keys: ...',
    'wait… ok',
    'task-abc*** ok',
  ])
    assert.equal(scrubSecrets(text), text);
});

test('with the sent key known, its echoes become [redacted], mask and end included', () => {
  const key = 'sk-proj-abcdEFGH1234ijklMNOP5678qrstUVWXwxyz';
  assert.equal(
    cleanMessage(
      'Incorrect API key provided: sk-proj-abcd****************************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.',
      [key],
    ),
    'Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.',
  );
  assert.equal(
    cleanMessage('Incorrect API key provided: sk-proj-abcdEFGH1234ijkl', [key]),
    'Incorrect API key provided: [redacted]',
  );
  assert.equal(
    cleanMessage("no such key: 'sk-proj-abcdEFGH1234ij' (check it)", [key]),
    "no such key: '[redacted]' (check it)",
  );
  assert.equal(
    cleanMessage('Incorrect API key provided: sk-****************UVWXwxyz.', [key]),
    'Incorrect API key provided: sk-****************wxyz.',
    'the end cut to its last 4',
  );
});

test("Anthropic's invalid x-api-key and other words are left alone, whatever the secrets read like", () => {
  assert.equal(cleanMessage('invalid x-api-key', [ANTHROPIC_KEY]), 'invalid x-api-key');
  assert.equal(
    readErrorBody(
      JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
      [ANTHROPIC_KEY],
    ).message,
    'invalid x-api-key',
  );
  // A header secret with a scheme is taken out whole; its scheme, a word, stays where it is a word.
  const said =
    "No API key provided. You didn't provide an API key; provide it in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  assert.equal(cleanMessage(said, [OPENAI_KEY, `Bearer ${OPENAI_KEY}`]), said);
  assert.equal(
    cleanMessage('Authorization: Bearer sk-proj-Q7vN2xK9mB4tR8w was refused', [`Bearer ${OPENAI_KEY}`, OPENAI_KEY]),
    'Authorization: Bearer [redacted] was refused',
  );
  // Test keys and header values are often words: a word they share with a message, or the readable prefix they begin
  // with, is no echo of them. Another key that merely starts like ours is left to the key-shaped scrubber.
  assert.equal(
    cleanMessage('Country, region, or territory not supported', ['sk-lib-region-000000001']),
    'Country, region, or territory not supported',
  );
  assert.equal(
    cleanMessage('x-custom-auth=[redacted] helicone-auth=[redacted]', ['custom-auth-SECRET-1234']),
    'x-custom-auth=[redacted] helicone-auth=[redacted]',
  );
  assert.equal(
    cleanMessage('keys look like sk-proj- followed by letters', [OPENAI_KEY]),
    'keys look like sk-proj- followed by letters',
  );
  assert.equal(
    cleanMessage('other key sk-proj-Q7vN2xK9mB4tZZZZZZZZZZ1234 refused', [OPENAI_KEY]),
    'other key …1234 refused',
  );
});

test('a long body cut to be read ends before a word, not inside a key', () => {
  // A key we did not send (a proxy's own) across the end of what is read, after a run of blanks that collapses to one
  // (so the cut shows): the key-shaped scrubber would keep 4 of its middle characters as if they ended it.
  const foreign = 'sk-live-ZYXWVUTSRQPONMLKJIHG0987654321';
  const raw = `${' '.repeat(15_986)}${foreign} and more`;
  assert.ok(raw.indexOf(foreign) + 14 === 16_000, 'the cut leaves sk-live-ZYXWVU');
  for (const out of [cleanMessage(raw), unparsableMessage('answer was not JSON', raw, [])]) {
    assert.deepEqual(leaked(out, foreign), [], out);
    assert.ok(out.endsWith('…'), out);
  }
  // The key we sent is caught in pieces wherever it is cut.
  const sent = unparsableMessage('answer was not JSON', `${' '.repeat(15_980)}${OPENAI_KEY}`, [OPENAI_KEY]);
  assert.deepEqual(leaked(sent, OPENAI_KEY), [], sent);
});

test('classifyHttp: OpenAI refusing a key it half-masks gives a message with none of the key', () => {
  const got = classifyHttp({
    status: 401,
    body: JSON.stringify({
      error: {
        message: `Incorrect API key provided: ${OPENAI_KEY.slice(0, 12)}${'*'.repeat(50)}${OPENAI_KEY.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    }),
    secrets: [OPENAI_KEY],
  });
  assert.equal(got.kind, 'auth_rejected');
  assert.equal(
    got.providerMessage,
    'Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.',
  );
  assert.equal(mask(OPENAI_KEY), 'sk-…wxyz', 'which key it was is what our own masked form says');
});
