#!/usr/bin/env node
// The `switchyard` command. Our sources are TypeScript run by Node's type stripping (Node >= 22.18). On an older
// Node we re-run ourselves with the Node that ./dev fetched into .tools/node, so this script (by its path, or
// `./dev npx switchyard` inside the clone) works whatever Node the machine has.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const recentEnough = major > 22 || (major === 22 && minor >= 18);

if (!recentEnough) {
  const local = join(root, '.tools', 'node', 'bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(`switchyard needs Node >= 22.18 (this is ${process.version}); run ./dev once in ${root} to fetch it\n`);
    process.exit(2);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const built = join(root, 'dist', 'cli', 'main.js');
const entry = existsSync(built) ? built : join(root, 'src', 'cli', 'main.ts');
const { main } = await import(entry);
await main(process.argv);
