// Installing as users install CLIs: `npm pack` → `npm install -g switchyard-*.tgz` (into a temp prefix) →
// `switchyard gateway service --install` with HOME in a temp dir. The unit it writes runs the installed command with
// the Node that ran it; with no systemd user manager reachable (none here: no session bus) --install says where the
// unit takes effect and how to run the gateway meanwhile. The unit's own ExecStart= and ExecStartPost= are then run
// as systemd would run them: the gateway starts, and the readiness wait returns once /readyz answers. Last, an older
// Node (the machine's /usr/bin/node, v20) importing the installed library fails with one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packInto, run } from './packed.ts';
import { freePort } from '../helpers/net.ts';

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
  { timeout: 400_000 },
  async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'switchyard-install-'));
    const packed = packInto(tmp);
    t.after(() => {
      rmSync(tmp, { recursive: true, force: true });
      packed.removeBuild();
    });
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
