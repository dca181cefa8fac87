// The .env lines systemd's EnvironmentFile= reads differently from Switchyard (src/config/systemd-dotenv.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemdDifferences } from '../../src/config/systemd-dotenv.ts';

test('what else systemd reads differently: backticks, backslashes; and what it reads alike', () => {
  const w = systemdDifferences(
    '.env',
    [
      'A=`tick`',
      'B=sk\\x',
      'C="a\\"b"',
      "D='single # not a comment'",
      'E="multi',
      'line # inside the quotes"',
      'F = spaced',
      '; a systemd comment',
      'G=',
    ].join('\n'),
  );
  assert.deepEqual(
    w.map((x) => x.split(':').slice(0, 3).join(':')),
    ['.env:1: A', '.env:2: B', '.env:3: C'],
  );
  assert.match(w[0]!, /does not treat backticks as quotes/);
  assert.match(w[1]!, /removes a backslash from an unquoted value/);
  assert.match(w[2]!, /read backslash escapes in double quotes differently/);
});

test('a quote never closed: Switchyard ignores the line, systemd reads on into the lines after it', () => {
  const w = systemdDifferences('.env', ["C='sk-open", 'D=`tick', 'B=1', 'A="sk-open', 'E=plain'].join('\n'));
  assert.deepEqual(
    w.map((x) => x.split(':').slice(0, 3).join(':')),
    ['.env:1: C', '.env:2: D', '.env:4: A'],
  );
  assert.match(w[0]!, /its ' quote is never closed/);
  assert.match(w[1]!, /does not treat backticks as quotes/);
  assert.equal(
    w[2],
    `.env:4: A: Switchyard ignores this line (its " quote is never closed), but systemd's EnvironmentFile= reads on to the next " or the end of the file, taking the lines after it into the value, so a service would have A where this shell has none; close the quote`,
  );
  assert.ok(!w.some((x) => x.includes('sk-open')), 'values never appear');
});
