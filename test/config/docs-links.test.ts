// The docs hold together: every relative link in docs/, README.md and bench/README.md, and every docs/PAGE.md#anchor
// a comment, help string or message names, reaches its page and heading (GitHub's anchors), so moving a section cannot
// leave a dead link behind; and no page under docs/ grows past 800 lines, so a page stays one a person reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const MAX_LINES = 800;

function pages(): string[] {
  const docs = readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f));
  return [join(ROOT, 'README.md'), join(ROOT, 'bench', 'README.md'), ...docs];
}

/** The text outside fenced code blocks: a link or heading inside ``` is an example, not part of the page. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ''));
}

/** GitHub's heading anchor: lower case, markup and punctuation dropped, spaces to hyphens, repeats numbered. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/<[^>]+>/g, '')))
    .join('')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorCache = new Map<string, Set<string>>();

function anchors(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const m of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  anchorCache.set(file, found);
  return found;
}

interface Link {
  where: string;
  target: string;
}

function links(file: string): Link[] {
  const lines = prose(readFileSync(file, 'utf8')).split('\n');
  const found: Link[] = [];
  lines.forEach((line, i) => {
    const where = `${relative(ROOT, file)}:${i + 1}`;
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ where, target: m[1]! });
    for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)) found.push({ where, target: m[1]! });
  });
  return found;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** What is wrong with a link, or null when it resolves. */
function brokenReason(from: string, target: string): string | null {
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const fragment = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
  if (!existsSync(file)) return `no file ${relative(ROOT, file)}`;
  if (fragment === null || fragment === '') return null;
  if (!file.endsWith('.md') || statSync(file).isDirectory()) return null;
  if (anchors(file).has(fragment)) return null;
  return `no heading #${fragment} in ${relative(ROOT, file)}`;
}

test('every relative link in docs/, README.md and bench/README.md reaches its file and heading', () => {
  const checked: Link[] = [];
  const broken: string[] = [];
  for (const file of pages()) {
    for (const link of links(file)) {
      if (isExternal(link.target)) continue;
      checked.push(link);
      const reason = brokenReason(file, link.target);
      if (reason) broken.push(`${link.where}: ${link.target}: ${reason}`);
    }
  }
  assert.ok(checked.length > 50, `found only ${checked.length} relative links`);
  assert.deepEqual(broken, []);
});

const CODE_FOLDERS = ['src', 'test', 'bench', 'scripts', 'examples', 'deploy'];

/** Every source, markdown and YAML file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js|md|ya?ml)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Each docs page, and anchor on it, that a file names (as `docs/PAGE.md#anchor`), with where. */
function docsMentions(file: string): Link[] {
  const found: Link[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/\bdocs\/([a-z][a-z0-9-]*\.md(?:#[\w-]+)?)/g))
        found.push({ where: `${relative(ROOT, file)}:${i + 1}`, target: m[1]! });
    });
  return found;
}

test('every docs/PAGE.md#anchor named in the code, tests, benchmarks, examples and deploy files exists', () => {
  const mentions = CODE_FOLDERS.flatMap((d) => filesUnder(join(ROOT, d))).flatMap(docsMentions);
  const broken = mentions.flatMap((m) => {
    const reason = brokenReason(join(DOCS, 'README.md'), m.target);
    return reason ? [`${m.where}: docs/${m.target}: ${reason}`] : [];
  });
  assert.ok(mentions.length > 50, `found only ${mentions.length} docs references`);
  assert.deepEqual(broken, []);
});

test(`no page under docs/ is over ${MAX_LINES} lines`, () => {
  const long = pages()
    .filter((f) => f.startsWith(DOCS))
    .map((f) => ({ page: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((p) => p.lines > MAX_LINES)
    .map((p) => `${p.page}: ${p.lines} lines`);
  assert.deepEqual(long, []);
});

test('anchors are GitHub’s: lower case, markup and punctuation dropped, spaces to hyphens', () => {
  assert.equal(slug('`auth list [P]`'), 'auth-list-p');
  assert.equal(slug('Checking the clients (`npm run test:clients`)'), 'checking-the-clients-npm-run-testclients');
  assert.equal(
    slug('Built-in tools (`web_search`, `file_search`, `mcp`, …)'),
    'built-in-tools-web_search-file_search-mcp-',
  );
  assert.equal(slug('Memory: what to expect'), 'memory-what-to-expect');
  assert.equal(slug('`providers.<name>`'), 'providersname');
});
