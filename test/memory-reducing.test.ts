// The memory-reducing collection: V8's collector is reachable in a process started without --expose-gc, and the
// program still sees no `gc`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('memory-reducing collection: runs in a process started without --expose-gc, which sees no gc', () => {
  const module = fileURLToPath(new URL('../src/memory-reducing.ts', import.meta.url));
  const script = `const { memoryReducingCollection } = await import(${JSON.stringify(module)}); memoryReducingCollection(); console.log(typeof globalThis.gc);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out.trim(), 'undefined', 'collected, and gc was not exposed to the program');
});
