// The package as a consumer gets it: `npm pack` (which builds dist/ first), the tarball extracted into a
// node_modules/ (a real copy, where Node refuses to strip types), then imported by name from plain JavaScript and
// type-checked from TypeScript. The temp directory sits under the repo root so the repo's node_modules provides the
// dependencies by ordinary resolution; its own package.json keeps `switchyard` from resolving to the repo itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packInto, ROOT, run } from './packed.ts';

const CONSUMER_JS = `
import { createSwitchyard, configFromObject, startSimulator, UserError } from 'switchyard';

const KEY = 'sk-packed-000000000001';
const sim = await startSimulator({ scenario: { keys: { [KEY]: {} } } });
const config = configFromObject({
  providers: { sim: { type: 'openai', base_url: sim.url + '/v1', api_key: '\${SIM_KEY}' } },
  main: { provider: 'sim', model: 'sim-large' },
}, { env: { SIM_KEY: KEY, SWITCHYARD_HOME: process.env.SWITCHYARD_HOME }, dotenv: false });
const sy = createSwitchyard({ config });
const r = await sy.chat({ messages: [{ role: 'user', content: 'hello' }] });
let refused = '';
try { createSwitchyard({ config: { providers: {} } }); } catch (err) { refused = UserError.isInstance(err) ? err.message : String(err); }
await sy.close();
await sim.close();
console.log(JSON.stringify({
  resolved: import.meta.resolve('switchyard'),
  status: r.status,
  content: r.response?.content,
  route: r.route,
  calls: sim.calls(KEY),
  refused,
}));
`;

const CONSUMER_TS = `
import { createSwitchyard, configFromObject, EXPLANATION_RANK, type ChatSuccess, type Disabled, type StreamSuccess, type Breakers } from 'switchyard';

const sy = createSwitchyard({ config: configFromObject({}) });
const flag: boolean = process.argv.length > 5;
const r: Promise<ChatSuccess | StreamSuccess | Disabled> = sy.chat({ messages: [], stream: flag });
const b: Breakers = sy.breakers;
const first: string | undefined = EXPLANATION_RANK[0];
// @ts-expect-error -- a LoadedConfig is required, not a plain object
createSwitchyard({ config: { providers: {} } });
export { r, b, first };
`;

test(
  'npm pack → installed copy in node_modules: imports by name, runs a chat against the simulator, types resolve, the CLI starts',
  { timeout: 300_000 },
  () => {
    const tmp = mkdtempSync(join(ROOT, '.pkgtest-'));
    const packed = packInto(tmp);
    try {
      const files = packed.files;
      for (const f of [
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'bin/switchyard.js',
        'README.md',
        'LICENSE',
        'examples/demo/switchyard.yaml',
        'docs/config.md',
      ]) {
        assert.ok(files.includes(f), `${f} is in the tarball`);
      }
      assert.deepEqual(
        files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
        [],
        'no sources, tests or dev scripts are shipped',
      );

      const modules = join(tmp, 'node_modules');
      mkdirSync(modules);
      run('tar', ['-xzf', packed.tarball, '-C', modules], tmp);
      renameSync(join(modules, 'package'), join(modules, 'switchyard'));
      writeFileSync(
        join(tmp, 'package.json'),
        JSON.stringify({ name: 'pkgtest-consumer', private: true, type: 'module' }),
      );
      writeFileSync(join(tmp, 'consumer.js'), CONSUMER_JS);
      const env = { ...process.env, SWITCHYARD_HOME: join(tmp, 'home'), NODE_OPTIONS: '' };

      const out = JSON.parse(run(process.execPath, ['consumer.js'], tmp, env)) as Record<string, unknown>;
      assert.equal(out['resolved'], `file://${join(modules, 'switchyard', 'dist', 'index.js')}`);
      assert.equal(out['status'], 'ok');
      assert.equal(typeof out['content'], 'string');
      assert.equal(out['route'], 'sim/sim-large');
      assert.equal(out['calls'], 1);
      assert.match(String(out['refused']), /plain config object, not a loaded config: wrap it, configFromObject/);

      // The declarations resolve for a TypeScript consumer (nodenext), with library checking on.
      writeFileSync(join(tmp, 'consumer.ts'), CONSUMER_TS);
      const tsconfig = {
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify(tsconfig));
      run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tmp], tmp, env);

      // The installed command runs the built JavaScript (there is no src/ to strip types from).
      const version = run(
        process.execPath,
        [join(modules, 'switchyard', 'bin', 'switchyard.js'), '--version'],
        tmp,
        env,
      );
      assert.match(version, /\d+\.\d+\.\d+/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      packed.removeBuild();
    }
  },
);
