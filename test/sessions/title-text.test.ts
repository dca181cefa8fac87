import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanGeneratedTitle,
  cleanUserTitle,
  deriveTitle,
  EMPTY_TITLE,
  MAX_TITLE_CHARS,
} from '../../src/sessions/title-text.ts';

test('derived title: first words of the first message, no trailing punctuation', () => {
  assert.equal(
    deriveTitle('  Why does title generation fail with HTTP 401 when chat works?  '),
    'Why does title generation fail with HTTP',
  );
  assert.equal(deriveTitle('Hello there!!!'), 'Hello there');
  assert.equal(deriveTitle('what is\n\n  a fingerprint?'), 'what is a fingerprint');
  assert.equal(deriveTitle('   '), EMPTY_TITLE);
  assert.equal(deriveTitle('...'), EMPTY_TITLE);
});

test('derived title: a very long word is cut to the maximum', () => {
  const title = deriveTitle('x'.repeat(500));
  assert.equal(title.length, MAX_TITLE_CHARS);
});

test('generated title: first non-empty line, without quotes, Title: prefix or full stop', () => {
  assert.equal(
    cleanGeneratedTitle('\n"Debugging a 401 in title generation."\nmore'),
    'Debugging a 401 in title generation',
  );
  assert.equal(cleanGeneratedTitle('Title: Key rotation basics'), 'Key rotation basics');
  assert.equal(cleanGeneratedTitle('**Title:** Quotas'), 'Quotas');
  assert.equal(cleanGeneratedTitle('Sim title: what is a fingerprint'), 'Sim title: what is a fingerprint');
  assert.equal(cleanGeneratedTitle('  \n '), undefined);
  assert.equal(cleanGeneratedTitle('"…"'), undefined);
});

test('user title: whitespace normalised, punctuation kept', () => {
  assert.equal(cleanUserTitle('  My   chat!  '), 'My chat!');
  assert.equal(cleanUserTitle('   '), undefined);
});
