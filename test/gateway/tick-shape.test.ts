// The held nextTick entry: after full collections with no other entry alive, a new entry still has the held one's
// shape (V8 map), which is what keeps nextTick's literal on its fast path in a serving process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A process of its own: comparing maps takes V8's natives syntax, and collecting on demand --expose-gc. */
function runWithNatives(script: string): string {
  return execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
}

test('tick shape: a held nextTick entry keeps its map through full collections', () => {
  const module = fileURLToPath(new URL('../../src/gateway/server/tick-shape.ts', import.meta.url));
  const script = `
    import { createHook } from 'node:async_hooks';
    const { holdTickShape, heldTick } = await import(${JSON.stringify(module)});
    holdTickShape();
    holdTickShape();
    // Every other entry run and gone before the collections.
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc(); gc(); gc();
    let fresh;
    const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject') fresh = resource; } });
    hook.enable();
    process.nextTick(() => {});
    hook.disable();
    console.log(JSON.stringify({ held: heldTick() !== undefined, same: %HaveSameMap(heldTick(), fresh) }));
  `;
  assert.deepEqual(JSON.parse(runWithNatives(script)), { held: true, same: true });
});
