// A secret written in the wrong shape (`api_keys: KEY` instead of a list, a header value that is a number, a key
// that YAML read as a number) is named by its place and expected type in `config check`'s error, never printed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const ws = tempWorkspace('switchyard-config-secret-errors-');
after(() => ws.cleanup());

// Planted secrets in the shapes scrubSecrets' key pattern once missed (Google, Groq, xAI, Hugging Face, plain hex,
// digits), each in a place where the config wants another type.
const GOOGLE = 'AIzaSyD-AbCdEf1234567890XyZ';
const GROQ = 'gsk_abcdefabcdef1234567890ABCD';
const XAI = 'xai-ABCDEFGH12345678abcdEFGH';
const HF = 'hf_abcdefghij1234567890WXYZ';
const HEX = '0123456789abcdef0123456789abcdef';
const HEADER_NUMBER = '12345678901234';
const HEADER_STRING = 'hel-HEADERSECRET-abcdef';
const TASK_KEY = '98765432109876';
const SECRETS = [GOOGLE, GROQ, XAI, HF, HEX, HEADER_NUMBER, HEADER_STRING, TASK_KEY];

const CONFIG = `providers:
  google: { type: openai, base_url: https://g.example/v1, api_keys: ${GOOGLE} }
  groq: { type: openai, base_url: https://q.example/v1, api_keys: ${GROQ}, headers: { Helicone-Auth: ${HEADER_NUMBER} } }
  xai: { type: openai, base_url: https://x.example/v1, api_keys: { main: ${XAI} } }
  hf: { type: openai, base_url: https://h.example/v1, api_keys: ${HF}, headers: "Bearer ${HEADER_STRING}" }
  hex: { type: openai, base_url: https://hx.example/v1, api_keys: [ ${HEX}, 42 ] }
main: { provider: google, model: m }
auxiliary:
  compression: { api_key: ${TASK_KEY} }
`;

test('config check names where a misshapen secret is and what it should be, and shows only its type', async () => {
  const file = ws.write('switchyard.yaml', CONFIG);
  const r = await runCliInProcess(['config', 'check', '--config', file], { cwd: ws.dir, env: { HOME: ws.home } });
  assert.equal(r.code, 2, r.stdout);
  const out = r.stderr;
  for (const [path, says] of [
    ['providers.google.api_keys', 'expected a list, got a string (not shown: a secret)'],
    ['providers.groq.api_keys', 'expected a list, got a string (not shown: a secret)'],
    ['providers.groq.headers.Helicone-Auth', 'expected a string, got a number (not shown: a secret)'],
    ['providers.xai.api_keys', 'expected a list, got a mapping'],
    ['providers.hf.headers', 'expected a mapping (key: value), got a string (not shown: a secret)'],
    ['providers.hex.api_keys[1]', 'expected a string, got a number (not shown: a secret)'],
    ['auxiliary.compression.api_key', 'expected a string, got a number (not shown: a secret)'],
  ]) {
    assert.ok(out.includes(`${path}: ${says}`), `expected "${path}: ${says}" in:\n${out}`);
  }
  assertNoSecrets(SECRETS);
});
