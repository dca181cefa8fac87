// The .env lines systemd's EnvironmentFile= reads differently from Switchyard (src/config/systemd-dotenv.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemdDifferences } from '../../src/config/systemd-dotenv.ts';

test('what else systemd reads differently: backticks, backslashes; and what it reads alike', () => {
  const w = systemdDifferences('.env', [
    'A=`tick`',
    'B=sk\\x',
    'C="a\\"b"',
    "D='single # not a comment'",
    'E="multi',
    'line # inside the quotes"',
    'F = spaced',
    '; a systemd comment',
    'G=',
  ].join('\n'));
  assert.deepEqual(w.map((x) => x.split(':').slice(0, 3).join(':')), ['.env:1: A', '.env:2: B', '.env:3: C']);
  assert.match(w[0]!, /does not treat backticks as quotes/);
  assert.match(w[1]!, /removes a backslash from an unquoted value/);
  assert.match(w[2]!, /read backslash escapes in double quotes differently/);
});
