// Builds the dashboard's front end (ui/) into static files in dist-ui/ with esbuild: one script, one style sheet,
// everything bundled (Preact, htm, uPlot), so the gateway serves it offline. `--if-changed` skips an up-to-date build.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'ui');
const OUT = join(ROOT, 'dist-ui');
const STAMP = join(OUT, '.built');

function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir).map((name) => {
      const path = join(dir, name);
      const s = statSync(path);
      return s.isDirectory() ? newest(path) : s.mtimeMs;
    }),
  );
}

const ifChanged = process.argv.includes('--if-changed');
if (ifChanged && existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest(SRC)) process.exit(0);
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: { app: join(SRC, 'main.ts'), 'app-style': join(SRC, 'style.css') },
  outdir: OUT,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  legalComments: 'linked',
  logLevel: 'warning',
  absWorkingDir: ROOT,
});
// One name per kind for the pages to link: app.js and app.css.
const { renameSync } = await import('node:fs');
renameSync(join(OUT, 'app-style.css'), join(OUT, 'app.css'));
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
