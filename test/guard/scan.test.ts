// The guard's scan and redaction over text, each format of the corpus and the decoys, without a gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardBody } from '../../src/guard/body.ts';
import { scanSecrets } from '../../src/guard/scan.ts';
import { anchorsByPass, anchorsBySearch, ONE_PASS_BELOW, STRING_PASS_BELOW } from '../../src/guard/anchors.ts';
import { bytesText, stringText } from '../../src/guard/text.ts';
import { decoys, plantedSecrets } from './corpus.ts';

test('every planted format is found by its rule, in plain text and in a raw JSON body', () => {
  for (const p of plantedSecrets()) {
    const rules = scanSecrets(p.text).map((h) => h.rule.id);
    assert.ok(rules.includes(p.rule), `${p.rule} in ${JSON.stringify(p.text.slice(0, 40))}: ${rules.join(',')}`);
    const body = JSON.stringify({ messages: [{ role: 'tool', content: p.text }] });
    const out = guardBody(Buffer.from(body), 'redact');
    for (const secret of p.secrets) assert.ok(!out.bytes.toString().includes(secret), `${p.rule} redacted`);
    assert.doesNotThrow(() => JSON.parse(out.bytes.toString()), `${p.rule}: the redacted body is still JSON`);
  }
});

test('a redacted secret leaves a typed placeholder with at most its last four characters', () => {
  const aws = plantedSecrets()[0]!;
  const out = guardBody(Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: aws.text }] })), 'redact');
  const content = (JSON.parse(out.bytes.toString()) as { messages: { content: string }[] }).messages[0]!.content;
  assert.equal(content, `AWS_ACCESS_KEY_ID=[redacted aws_access_key …${aws.secrets[0]!.slice(-4)}]`);
  assert.deepEqual(out.findings, [{ rule: 'aws-access-key', where: 'messages[0].content', action: 'redact' }]);
});

test('at least 99 % of the decoys pass untouched', () => {
  const all = decoys(1000);
  const touched = all.filter((d) => scanSecrets(d).length > 0 || scanSecrets(JSON.stringify(d)).length > 0);
  assert.ok(touched.length <= 10, `decoys taken for secrets: ${touched.slice(0, 3).join(' | ')}`);
});

test('JSON escapes, zero-width characters and look-alikes do not hide a key', () => {
  const key = plantedSecrets()[0]!.secrets[0]!;
  const tail = key.slice(4);
  const bodies = [
    JSON.stringify({ messages: [{ role: 'user', content: `k=${key}` }] }).replace('AKIA', '\\u0041KIA'),
    JSON.stringify({ messages: [{ role: 'user', content: `k=AK\u200bIA${tail}` }] }),
    JSON.stringify({ messages: [{ role: 'user', content: `k=ＡＫＩＡ${tail}` }] }),
    JSON.stringify({
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ function: { name: 'x'.repeat(80), arguments: JSON.stringify({ k: `\\u0041KIA${tail}` }) } }],
        },
      ],
    }),
  ];
  for (const body of bodies) {
    const out = guardBody(Buffer.from(body), 'redact');
    assert.equal(out.findings[0]?.rule, 'aws-access-key', body);
    assert.ok(!out.bytes.toString().includes(tail), `redacted: ${out.bytes.toString()}`);
    assert.equal(guardBody(Buffer.from(body), 'block').blocked?.rule, 'aws-access-key');
  }
});

test('log mode finds without changing a byte', () => {
  const body = JSON.stringify({ input: [{ role: 'user', content: plantedSecrets()[4]!.text }] });
  const bytes = Buffer.from(body);
  const out = guardBody(bytes, 'log');
  assert.equal(out.bytes, bytes, 'the very Buffer given');
  assert.deepEqual(out.findings, [{ rule: 'github-token', where: 'input[0].content', action: 'log' }]);
});

test('a secret after multi-byte characters is redacted in place and placed by its path, the rest byte for byte', () => {
  const aws = plantedSecrets()[0]!;
  const before = 'café — 東京 🚀 “quoted” ';
  const body = JSON.stringify({
    messages: [
      { role: 'user', content: 'héllo' },
      { role: 'tool', content: before + aws.text },
    ],
  });
  const out = guardBody(Buffer.from(body), 'redact');
  const key = aws.secrets[0]!;
  assert.equal(out.bytes.toString(), body.replace(key, `[redacted aws_access_key …${key.slice(-4)}]`));
  assert.deepEqual(out.findings, [{ rule: 'aws-access-key', where: 'messages[1].content', action: 'redact' }]);
});

test("a small body's one pass finds the anchors the native searches find, in the same order", () => {
  const texts = [...plantedSecrets().map((p) => p.text), ...decoys(200)];
  let compared = 0;
  for (const text of texts) {
    const body = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: text }] }));
    // Cut short too (under the threshold, then to a few bytes), so a literal or a key is also cut at the body's end.
    for (const end of [body.length, Math.min(body.length, ONE_PASS_BELOW - 1), 40, 17, 3]) {
      const part = body.subarray(0, end);
      const bySearch = anchorsBySearch(bytesText(part));
      const byPass = anchorsByPass(bytesText(part)).map(({ at, block }) => ({ at, block }));
      assert.deepEqual(byPass, bySearch, JSON.stringify(part.toString('latin1')));
      compared += bySearch.length;
    }
  }
  assert.ok(compared > 100, `the corpus holds anchors to compare (${compared})`);
});

test("a short string's one pass finds the anchors the native searches find, in the same order", () => {
  // Characters past ASCII beside a literal (a letter whose low byte is `k`, an emoji's halves) start no anchor.
  const texts = [...plantedSecrets().map((p) => p.text), ...decoys(200), 'ūey: ū password: 😀ken=ghp_x sk-ū'];
  let compared = 0;
  for (const text of texts) {
    // Cut as a stream's pieces are: under the threshold, then to a few characters, so a literal is cut at the end too.
    for (const end of [text.length, STRING_PASS_BELOW - 1, 40, 17, 3]) {
      const piece = stringText(text.slice(0, end));
      const byPass = anchorsByPass(piece).map(({ at, block }) => ({ at, block }));
      assert.deepEqual(byPass, anchorsBySearch(piece), JSON.stringify(text.slice(0, end)));
      compared += byPass.length;
    }
  }
  assert.ok(compared > 100, `the corpus holds anchors to compare (${compared})`);
});
