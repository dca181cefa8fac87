// The lists that keep hand-written fast code honest: copySettings copies every setting a request can carry, and the
// OpenAI fast path hands every body holding one of the less common settings to the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copySettings,
  sameButSpliced,
  SETTING_KEYS,
  SPLICED_SETTINGS,
  type RequestSettings,
} from '../../src/providers/settings.ts';
import type { ChatRequest } from '../../src/providers/types.ts';
import { OPENAI_SETTINGS } from '../../src/gateway/wire/openai/schema.ts';
import { fastOpenAIRequest } from '../../src/gateway/wire/openai/fast.ts';

test('copySettings copies every key of SETTING_KEYS, and only those that are set', () => {
  for (const key of SETTING_KEYS) {
    const from = { [key]: `value of ${key}` } as unknown as RequestSettings;
    assert.deepEqual(copySettings({}, from), { [key]: `value of ${key}` }, key);
  }
  assert.deepEqual(copySettings({}, {}), {});
});

test('sameButSpliced tells a changed message list or setting, and lets the model and the spliced settings change', () => {
  const caller = { model: 'm', messages: [] } as ChatRequest;
  const spliced: readonly string[] = SPLICED_SETTINGS;
  assert.ok(sameButSpliced({ ...caller }, caller), 'a copy sharing every field');
  assert.equal(sameButSpliced({ ...caller, messages: [] }, caller), false, 'messages: another array');
  assert.ok(sameButSpliced({ ...caller, model: 'other' }, caller), 'model');
  for (const key of SETTING_KEYS) {
    const changed = { ...caller, [key]: `value of ${key}` } as ChatRequest;
    assert.equal(sameButSpliced(changed, caller), spliced.includes(key), key);
  }
});

test('the OpenAI fast path leaves every body with one of OPENAI_SETTINGS to the schema', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  assert.ok(fastOpenAIRequest(base), 'the plain body takes the fast path');
  for (const key of OPENAI_SETTINGS) assert.equal(fastOpenAIRequest({ ...base, [key]: 1 }), undefined, key);
});
