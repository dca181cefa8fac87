// Every ```yaml block in docs/ parses with the config loader's YAML parse, and a block written as config sections
// (its top-level keys are the config's) also passes the config schema: an example a user copies must load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../src/config/yaml-source.ts';
import { interpolate } from '../../src/config/interpolate.ts';
import { configSchema } from '../../src/config/schema.ts';
import { zodIssues } from '../../src/config/zod-issues.ts';

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
const SECTIONS = new Set(Object.keys(configSchema.shape));

interface Block {
  /** `docs/FILE.md:LINE`, the block's first line. */
  where: string;
  file: string;
  firstLine: number;
  text: string;
}

function yamlBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const name of readdirSync(DOCS).filter((f) => f.endsWith('.md'))) {
    const doc = readFileSync(join(DOCS, name), 'utf8');
    for (const m of doc.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
      const firstLine = doc.slice(0, m.index).split('\n').length + 1;
      blocks.push({ where: `docs/${name}:${firstLine}`, file: `docs/${name}`, firstLine, text: m[1]! });
    }
  }
  return blocks;
}

/** Every `${NAME}` the block reads, set to a placeholder: the examples' variables are the reader's to set. */
function placeholders(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) env[m[1]!] = 'placeholder-value';
  return env;
}

function isConfigSections(data: unknown): data is Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  return keys.length > 0 && keys.every((k) => SECTIONS.has(k));
}

const blocks = yamlBlocks();

test('the docs hold yaml examples to check', () => {
  assert.ok(blocks.length > 20, `found only ${blocks.length} yaml blocks in docs/`);
});

test('every yaml example in docs/ parses', () => {
  const broken = blocks.flatMap((b) =>
    parseYaml(b.where, b.text).issues.map((i) => `${b.file}:${b.firstLine + i.line - 1}: ${i.message}`),
  );
  assert.deepEqual(broken, []);
});

test('every yaml example written as config sections passes the config schema', () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const b of blocks) {
    const { source, issues } = parseYaml(b.where, b.text);
    if (issues.length > 0 || !isConfigSections(source.data)) continue;
    checked++;
    const data = interpolate({ source, env: placeholders(b.text), dotenv: {}, dotenvPath: null }).data;
    const parsed = configSchema.safeParse(data);
    if (!parsed.success)
      wrong.push(...zodIssues(parsed.error.issues, source, data).map((i) => `${b.where}: ${i.path}: ${i.message}`));
  }
  assert.ok(checked > 10, `only ${checked} blocks were whole config sections`);
  assert.deepEqual(wrong, []);
});
