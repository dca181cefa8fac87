// The shape of src/ that docs/architecture.md describes, held by a test. Its table lists the folders floor by floor,
// from the ground up; a folder imports only its own floor and those listed before it, except the pairs named below
// with why. config/ is a leaf (it imports only itself and the top-level modules, which import no folder), so every
// other folder can read the config without a cycle. Import cycles between files are `npm run cycles` (dpdm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/** Imports of a floor listed later (above), each with why it stays. Anything else going up fails the test. */
const UPWARD: Readonly<Record<string, string>> = {
  'credentials -> errors':
    'one layer with errors/ and state/: a key report and a resolve warning say their failure with errors/ messages',
  'credentials -> state': 'one layer: the pool and the minted keys read and write health through the store types',
  'credentials -> providers':
    "a minted key's token request and `auth explain` go through providers/proxy.ts, affinity hashes canonical messages",
};

/** Folders that import each other: only the one layer of credentials/, errors/ and state/ (see UPWARD). */
const MUTUAL = ['credentials <-> errors', 'credentials <-> state'];

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

/** A file's floor: its folder; `.` for the top-level modules; `index.ts`, the package's exports, is its own. */
function floorOf(path: string): string {
  if (path === 'index.ts') return 'index.ts';
  return topLevel(path) ? '.' : path.slice(0, path.indexOf('/'));
}

/** `from -> to` for each pair of floors where a file of one imports a file of the other, with the files. */
function floorImports(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of tsFiles(SRC)) {
    const from = relative(SRC, file);
    for (const target of importsOf(file)) {
      const [a, b] = [floorOf(from), floorOf(target)];
      if (a === b) continue;
      const files = edges.get(`${a} -> ${b}`) ?? [];
      files.push(`${from} -> ${target}`);
      edges.set(`${a} -> ${b}`, files);
    }
  }
  return edges;
}

/** The floors in the order docs/architecture.md's table lists them: its first column's `name/`, `index.ts` or
 * "top-level" (`.`). */
function documentedFloors(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Folders'), doc.indexOf('\n## ', doc.indexOf('## Folders') + 1));
  const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| folder'));
  return rows
    .map((row) => row.split('|')[1]!.trim())
    .filter((cell) => !cell.startsWith('---'))
    .map((cell) => (cell.startsWith('top-level') ? '.' : cell.replace(/`/g, '').replace(/\/$/, '')));
}

test('docs/architecture.md lists every folder of src/ once, and only those', () => {
  const floors = documentedFloors();
  const actual = ['.', 'index.ts', ...readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory())];
  assert.deepEqual([...floors].sort(), actual.sort());
});

test('no folder imports one listed above it in docs/architecture.md, except the pairs named with why', () => {
  const floors = documentedFloors();
  const upward = [...floorImports()].filter(([pair]) => {
    const [from, to] = pair.split(' -> ') as [string, string];
    return floors.indexOf(to) > floors.indexOf(from) && UPWARD[pair] === undefined;
  });
  assert.deepEqual(Object.fromEntries(upward), {});
});

test('each upward import named with a reason is still made (a stale one is taken out)', () => {
  const edges = floorImports();
  assert.deepEqual(
    Object.keys(UPWARD).filter((pair) => !edges.has(pair)),
    [],
  );
});

test('folders that import each other: only credentials <-> errors and credentials <-> state', () => {
  const edges = floorImports();
  const mutual = [...edges.keys()]
    .map((pair) => pair.split(' -> ') as [string, string])
    .filter(([a, b]) => a < b && edges.has(`${b} -> ${a}`))
    .map(([a, b]) => `${a} <-> ${b}`);
  assert.deepEqual(mutual.sort(), MUTUAL);
});

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

/** Every file of the repository outside node_modules and dot-folders, relative to the root. */
function repoFiles(dir: string = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? repoFiles(path) : [relative(ROOT, path)];
  });
}

/** `wire/{openai,anthropic}/request.ts` → one name per alternative. */
function expandBraces(name: string): string[] {
  const m = /^(.*)\{([^}]*)\}(.*)$/.exec(name);
  return m === null ? [name] : m[2]!.split(',').flatMap((alt) => expandBraces(`${m[1]}${alt}${m[3]}`));
}

test('each file docs/architecture.md names is there', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  // A pattern (`seeds-*.ts`, `providers/<type>.ts`) names no one file; a path may start anywhere (`ui/live.ts`).
  const names = [...doc.matchAll(/[\w.{},/-]*[\w-]+\.ts\b/g)]
    .map((m) => m[0].replace(/^\/+/, ''))
    .filter((name) => !/[*<]/.test(name) && name.length > 0);
  const files = repoFiles();
  const missing = [...new Set(names.flatMap(expandBraces))].filter(
    (name) => !files.some((file) => file === name || file.endsWith(`/${name}`)),
  );
  assert.deepEqual(missing, []);
});
