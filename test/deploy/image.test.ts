// The gateway's image, built from the Containerfile as an operator builds it and run as its config says: non-root,
// tini as pid 1, the gateway answering a chat request from inside it, and a SIGTERM drained to exit 0. The registries
// here hold no base images, so the base is made by debootstrap (Debian's packages) with this machine's Node and npm
// in /usr/local, as the official node image has them. buildah builds with the vfs driver and chroot isolation in a
// storage of the test's own; the image's root is then run with `unshare --pid --fork --mount-proc … chroot`, since
// no container runtime can set up a container in this sandbox. Slow (a base system, `npm ci`, a build): minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { freePort } from '../helpers/net.ts';
import { HUNG_BUILD_MS, HUNG_PROCESS_MS } from '../helpers/until.ts';

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KEY = 'sk-image-test-key-000001';

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'building an image here needs root (buildah vfs storage, chroot isolation)';
  for (const tool of ['debootstrap', 'buildah', 'unshare', 'chroot'])
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `no ${tool} on PATH (Debian: apt-get install debootstrap buildah; .ci/run installs them)`;
    }
  return undefined;
}

/** The Debian mirror this machine's apt uses, for debootstrap. */
function mirror(): string {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(f)) continue;
    const m = /^(?:URIs:\s*|deb\s+)(https?:\/\/\S+\/debian)\/?\s/m.exec(readFileSync(f, 'utf8'));
    if (m) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  StopSignal?: string;
}

test(
  'the image builds from the Containerfile, runs non-root under tini, serves a request and drains on SIGTERM',
  {
    skip: missing(),
    timeout: 2 * HUNG_BUILD_MS,
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-image-'));
    const buildah = (...args: string[]) =>
      run(
        'buildah',
        ['--storage-driver', 'vfs', '--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), ...args],
        {
          maxBuffer: 64 << 20,
          timeout: HUNG_BUILD_MS,
        },
      );
    let gateway: ReturnType<typeof spawn> | undefined;
    try {
      // The base: Debian with tini, this machine's Node and npm, and its CA bundle (a registry behind a proxy of its own).
      const root = join(dir, 'base');
      await run('debootstrap', ['--variant=minbase', '--include=tini', 'bookworm', root, mirror()], {
        timeout: HUNG_BUILD_MS,
        maxBuffer: 64 << 20,
      });
      mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
      copyFileSync(process.execPath, join(root, 'usr/local/bin/node'));
      // npm's own package, wherever the `npm` on PATH lives (…/node_modules/npm/bin/npm-cli.js).
      const npmCli = realpathSync((await run('sh', ['-c', 'command -v npm'])).stdout.trim());
      cpSync(dirname(dirname(npmCli)), join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
      const env = ['PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin'];
      if (existsSync('/etc/ssl/certs/ca-certificates.crt')) {
        mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
        copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/ssl/certs/host-ca.crt'));
        env.push('NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt');
      }
      const base = (await buildah('from', 'scratch')).stdout.trim();
      const baseRoot = (await buildah('mount', base)).stdout.trim();
      await run('cp', ['-a', `${root}/.`, baseRoot]);
      for (const e of env) await buildah('config', '--env', e, base);
      await buildah('commit', '--quiet', base, 'localhost/switchyard-test-base');
      rmSync(root, { recursive: true, force: true });

      // The image, as docs/kubernetes.md builds it.
      await buildah(
        'bud',
        '--isolation',
        'chroot',
        '--build-arg',
        'BASE=localhost/switchyard-test-base',
        '-f',
        join(REPO, 'Containerfile'),
        '-t',
        'localhost/switchyard:test',
        REPO,
      );
      const inspected = JSON.parse(
        (await buildah('inspect', '--type', 'image', 'localhost/switchyard:test')).stdout,
      ) as {
        OCIv1: { config: ImageConfig };
      };
      const config = inspected.OCIv1.config;
      assert.equal(config.User, '10001:10001', 'not root');
      assert.deepEqual(
        config.Entrypoint?.slice(0, 2),
        ['tini', '--'],
        'an init that reaps children and passes signals',
      );
      assert.equal(config.StopSignal, 'SIGTERM');

      // Run it: the image's root, its user, environment, entrypoint and command (the address made loopback's).
      const ctr = (await buildah('from', 'localhost/switchyard:test')).stdout.trim();
      const image = (await buildah('mount', ctr)).stdout.trim();
      await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
      const port = await freePort();
      writeFileSync(
        join(image, 'etc/switchyard/switchyard.yaml'),
        stringify({
          providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: '${SIM_API_KEY}' } },
          main: { provider: 'sim', model: 'sim-large' },
          gateway: { require_keys: false },
        }),
        { mode: 0o644 },
      );
      const cmd = ['gateway', '--listen', `127.0.0.1:${port}`, '--log-format', 'json'];
      gateway = spawn(
        'unshare',
        [
          '--pid',
          '--fork',
          '--mount',
          `--mount-proc=${join(image, 'proc')}`,
          'chroot',
          `--userspec=${config.User}`,
          image,
          '/usr/bin/env',
          '-i',
          ...(config.Env ?? []),
          'SIM_API_KEY=' + KEY,
          'sh',
          '-c',
          `cd ${config.WorkingDir ?? '/'} && exec "$@"`,
          'sh',
          ...(config.Entrypoint ?? []),
          ...cmd,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let log = '';
      gateway.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      gateway.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((resolve) => gateway!.once('exit', (code) => resolve(code)));
      const base_ = `http://127.0.0.1:${port}`;
      const until = Date.now() + HUNG_PROCESS_MS;
      for (;;) {
        const ready = await fetch(`${base_}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ready) break;
        if (gateway.exitCode !== null || Date.now() > until)
          assert.fail(`the gateway in the image did not get ready:\n${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal((await fetch(`${base_}/livez`)).status, 200);
      const answer = await fetch(`${base_}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hello from the image' }] }),
      });
      const text = await answer.text();
      assert.equal(answer.status, 200, text);
      assert.match(text, /hello from the image/);

      // SIGTERM to pid 1 (tini): passed on to the gateway, which drains and exits 0.
      const tini = (await run('pgrep', ['-P', String(gateway.pid)])).stdout.trim().split('\n')[0]!;
      process.kill(Number(tini), 'SIGTERM');
      assert.equal(await exited, 0, log);
      gateway = undefined;
    } finally {
      gateway?.kill('SIGKILL');
      await buildah('rm', '--all').catch(() => {});
      await buildah('rmi', '--all', '--force').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
