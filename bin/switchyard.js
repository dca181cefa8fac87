#!/usr/bin/env node
// The `switchyard` command. In a clone (src/ present) it runs the TypeScript sources by Node's type stripping
// (Node >= 22.18), always, even when an `npm run build` left a dist/ behind: a stale build never shadows what you
// are editing. An installed package ships no src/, only the built dist/ (npm pack runs the build first). On an
// older Node, a clone re-runs itself with the Node that ./dev fetched into .tools/node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const recentEnough = major > 22 || (major === 22 && minor >= 18);

const source = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'dist', 'cli', 'main.js');
const fromSource = existsSync(source);

if (!recentEnough) {
  const local = join(root, '.tools', 'node', 'bin', 'node');
  if (!fromSource || !existsSync(local)) {
    const hint = fromSource ? `; run ./dev once in ${root} to fetch it` : '';
    process.stderr.write(`switchyard needs Node >= 22.18 (this is ${process.version})${hint}\n`);
    process.exit(2);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (!fromSource && !existsSync(built)) {
  process.stderr.write(`switchyard: neither ${source} nor ${built} exists; reinstall the package (or run npm run build)\n`);
  process.exit(2);
}
const { main } = await import(fromSource ? source : built);
await main(process.argv);
