// The shape of src/ that docs/architecture.md describes, held by a test: config/ is a leaf (it imports only itself
// and the top-level modules, which import no folder), so every other folder can read the config without a cycle.
// Import cycles over the whole tree are `npm run cycles` (dpdm), which `./dev test` runs before the tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** The files a module imports or re-exports from, statically or not, relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)));
}

const topLevel = (path: string): boolean => !path.includes('/');

test('config/ imports only config/ and top-level modules', () => {
  const outside = tsFiles(join(SRC, 'config')).flatMap((file) =>
    importsOf(file)
      .filter((target) => !target.startsWith('config/') && !topLevel(target))
      .map((target) => `${relative(SRC, file)} -> ${target}`),
  );
  assert.deepEqual(outside, []);
});

test('the top-level modules config/ uses import no folder', () => {
  const used = new Set(tsFiles(join(SRC, 'config')).flatMap(importsOf).filter(topLevel));
  const reaching = [...used].flatMap((file) =>
    importsOf(join(SRC, file))
      .filter((target) => !topLevel(target))
      .map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(reaching, []);
});
