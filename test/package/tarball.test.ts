// The package as users get it, from one `npm pack` (which builds dist/ first) shared by both tests: the tarball
// extracted into a node_modules/ and imported by name, type-checked and run; and `npm install -g` of it, whose
// `gateway service --install` unit starts the gateway as systemd would (docs/systemd.md#running-under-systemd).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packInto, ROOT, run, type Packed } from './packed.ts';
import { freePort } from '../helpers/net.ts';
import { HUNG_BUILD_MS } from '../helpers/until.ts';

let packed: Packed;
let packDir: string;
before(() => {
  packDir = mkdtempSync(join(tmpdir(), 'switchyard-pack-'));
  packed = packInto(packDir);
});
after(() => {
  rmSync(packDir, { recursive: true, force: true });
  packed.removeBuild();
});

const CONSUMER_JS = `
import { createSwitchyard, configFromObject, startSimulator, UserError } from 'switchyard';
import { createSwitchyardProvider } from 'switchyard/ai-sdk';

const KEY = 'sk-packed-000000000001';
const sim = await startSimulator({ scenario: { keys: { [KEY]: {} } } });
const config = configFromObject({
  providers: { sim: { type: 'openai', base_url: sim.url + '/v1', api_key: '\${SIM_KEY}' } },
  main: { provider: 'sim', model: 'sim-large' },
}, { env: { SIM_KEY: KEY, SWITCHYARD_HOME: process.env.SWITCHYARD_HOME }, dotenv: false });
const sy = createSwitchyard({ config });
const r = await sy.chat({ messages: [{ role: 'user', content: 'hello' }] });
// The AI SDK face, called as the SDK calls a model (the consumer has no \`ai\` installed: it needs none).
const aiSdk = createSwitchyardProvider({ switchyard: sy })('main');
const generated = await aiSdk.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
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
  aiSdk: { version: aiSdk.specificationVersion, text: generated.content[0]?.text, resolved: import.meta.resolve('switchyard/ai-sdk') },
}));
`;

const CONSUMER_TS = `
import { createSwitchyard, configFromObject, EXPLANATION_RANK, type ChatSuccess, type Disabled, type StreamSuccess, type Breakers } from 'switchyard';
import { createSwitchyardProvider, type SwitchyardLanguageModelV3 } from 'switchyard/ai-sdk';

const sy = createSwitchyard({ config: configFromObject({}) });
const flag: boolean = process.argv.length > 5;
const r: Promise<ChatSuccess | StreamSuccess | Disabled> = sy.chat({ messages: [], stream: flag });
const b: Breakers = sy.breakers;
const first: string | undefined = EXPLANATION_RANK[0];
// @ts-expect-error -- a LoadedConfig is required, not a plain object
createSwitchyard({ config: { providers: {} } });
const v3: SwitchyardLanguageModelV3 = createSwitchyardProvider({ switchyard: sy, specificationVersion: 'v3' })('main');
export { r, b, first, v3 };
`;

test(
  'npm pack → installed copy in node_modules: imports by name, runs a chat against the simulator, types resolve, the CLI starts',
  { timeout: 2 * HUNG_BUILD_MS },
  () => {
    const tmp = mkdtempSync(join(ROOT, '.pkgtest-'));
    try {
      const files = packed.files;
      for (const f of [
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/ai-sdk/index.js',
        'dist/ai-sdk/index.d.ts',
        'dist/cli/main.js',
        'dist-ui/app.js',
        'dist-ui/app.css',
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
      assert.equal(out['calls'], 2);
      assert.deepEqual(out['aiSdk'], {
        version: 'v4',
        text: '[sim-large] reply to: hi',
        resolved: `file://${join(modules, 'switchyard', 'dist', 'ai-sdk', 'index.js')}`,
      });
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
    }
  },
);

/** A unit line's command split as systemd would for these (no quotes: the temp paths have no spaces). */
function unitCommand(unit: string, key: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith(`${key}=`));
  assert.ok(line, `${key}= in the unit`);
  return line.slice(key.length + 1).split(' ');
}

const OLD_NODE = '/usr/bin/node';
const oldNode = existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
  : '';
const isOld = /^(\d+)\.(\d+)/.exec(oldNode);
const olderThanNeeded = isOld !== null && (Number(isOld[1]) < 22 || (Number(isOld[1]) === 22 && Number(isOld[2]) < 18));

test(
  'npm install -g of the packed tarball, then gateway service --install: a unit for the installed command that starts and waits until ready',
  { timeout: 2 * HUNG_BUILD_MS },
  async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'switchyard-install-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const prefix = join(tmp, 'prefix');
    const home = join(tmp, 'home');
    mkdirSync(home);
    // The npm cache is the developer's (dependencies come from it when they can); everything installed goes to prefix.
    run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', packed.tarball],
      tmp,
      { ...process.env, NODE_OPTIONS: '' },
    );
    const command = join(prefix, 'bin', 'switchyard');
    assert.ok(existsSync(command), 'npm linked the command into the prefix');

    const port = await freePort();
    const configDir = join(home, '.config', 'switchyard');
    mkdirSync(configDir, { recursive: true });
    const configPath = join(configDir, 'config.yaml');
    writeFileSync(
      configPath,
      `providers:\n  sim: { type: openai, base_url: http://127.0.0.1:9/v1 }\nmain: { provider: sim, model: m }\ngateway: { listen: 127.0.0.1:${port} }\n`,
      { mode: 0o600 },
    );
    // As a user's shell has it: the prefix's bin and a recent Node on PATH; no session bus, so no user manager answers.
    const env = { PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':'), HOME: home };
    const installed = spawnSync(command, ['gateway', 'service', '--install'], { cwd: home, env, encoding: 'utf8' });
    assert.equal(installed.status, 0, installed.stderr);
    const unitFile = join(home, '.config', 'systemd', 'user', 'switchyard-gateway.service');
    assert.match(installed.stdout, new RegExp(`^Wrote ${unitFile}$`, 'm'));
    assert.match(
      installed.stdout,
      /^No systemd user manager answers here \(.+\): the unit takes effect in a login session under systemd/m,
    );
    assert.match(
      installed.stdout,
      new RegExp(`^Meanwhile, run the gateway yourself: ${command} gateway --config ${configPath}$`, 'm'),
    );
    assert.match(
      installed.stderr,
      new RegExp(`^switchyard: config ${configPath} · state sqlite ${home}/\\.local/state/switchyard/state\\.db$`, 'm'),
    );

    const unit = readFileSync(unitFile, 'utf8');
    assert.deepEqual(unitCommand(unit, 'ExecStart'), [process.execPath, command, 'gateway', '--config', configPath]);
    assert.deepEqual(unitCommand(unit, 'ExecStartPost'), [
      process.execPath,
      command,
      'gateway',
      'wait',
      '--config',
      configPath,
    ]);
    assert.match(unit, /^RestartPreventExitStatus=2$/m);
    assert.doesNotMatch(unit, /network-online/);

    // What systemd would do: the main command, then the wait, with the unit's working directory.
    const [node, ...args] = unitCommand(unit, 'ExecStart');
    const gateway = spawn(node!, args, { cwd: configDir, env: { HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => gateway.on('exit', resolve));
    t.after(async () => {
      gateway.kill('SIGTERM');
      await exited;
    });
    const [waitNode, ...waitArgs] = unitCommand(unit, 'ExecStartPost');
    const waited = spawnSync(waitNode!, waitArgs, {
      cwd: configDir,
      env: { HOME: home },
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(waited.status, 0, waited.stderr);
    assert.equal(waited.stdout, `ready: http://127.0.0.1:${port}/readyz\n`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    await ready.arrayBuffer();

    // On a Node older than 22.18, the installed library fails saying so, as the command does.
    if (olderThanNeeded) {
      const library = join(prefix, 'lib', 'node_modules', 'switchyard', 'dist', 'index.js');
      const imported = spawnSync(
        OLD_NODE,
        [
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(library)}).then(() => console.log('loaded'), (e) => console.log(e.code + ': ' + e.message))`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(
        imported.stdout,
        `ERR_SWITCHYARD_NODE_VERSION: switchyard needs Node >= 22.18 (this is v${oldNode})\n`,
        imported.stderr,
      );
      const uncaught = spawnSync(OLD_NODE, ['--input-type=module', '-e', `import ${JSON.stringify(library)};`], {
        encoding: 'utf8',
      });
      assert.notEqual(uncaught.status, 0);
      assert.match(uncaught.stderr, /switchyard needs Node >= 22\.18/);
      assert.doesNotMatch(uncaught.stderr, /ERR_UNKNOWN_BUILTIN_MODULE|node:sqlite/);
      const cli = spawnSync(OLD_NODE, [command, 'doctor'], { env, encoding: 'utf8' });
      assert.equal(cli.status, 2);
      assert.equal(cli.stderr, `switchyard needs Node >= 22.18 (this is v${oldNode})\n`);
    } else {
      t.diagnostic(`no Node older than 22.18 at ${OLD_NODE} (${oldNode || 'none'}): the old-Node check was skipped`);
    }
  },
);
