// Configs no one writes by hand, through the real CLI: thousands of providers (read in time linear in the file, every
// value still located), `--config` on something that is not a config file, and one too large to be a config.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const ws = tempWorkspace('switchyard-config-pathological-');
after(() => ws.cleanup());
const env = { HOME: ws.home, SWITCHYARD_HOME: ws.home, SHARED_KEY: 'plain-shared-key-0042' };

const PROVIDERS = 5000;
const MIB = 1024 * 1024;

/** `base` and `n` providers taking its settings through a merge key, each reading its key from a variable (p{i} on
 * lines 3+4i to 6+4i), then `extra` lines. */
function manyProviders(n: number, extra = ''): string {
  const lines = [
    'providers:',
    '  base: &defaults { type: openai, timeout: 30s, base_url: "https://base.example.com/v1" }',
  ];
  for (let i = 0; i < n; i++)
    lines.push(
      `  p${i}:`,
      '    <<: *defaults',
      `    base_url: https://api${i}.example.com/v1`,
      '    api_key: ${SHARED_KEY}',
    );
  return `${lines.join('\n')}\n${extra}main: { provider: p0, model: m }\n`;
}

test(`${PROVIDERS} providers sharing settings through an alias load, and mistakes after them are located`, async () => {
  const good = ws.write('good/switchyard.yaml', manyProviders(PROVIDERS));
  const checked = await runCliInProcess(['config', 'check', '--config', good], { cwd: ws.dir, env });
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, new RegExp(`^ok: .*\\(${PROVIDERS + 1} providers, main p0/m\\)`, 'm'));

  const after = 3 + 4 * PROVIDERS;
  const bad = ws.write(
    'bad/switchyard.yaml',
    manyProviders(PROVIDERS, `  p${PROVIDERS - 1}: { <<: *defaults }\n  last: { <<: *defaults, timeout: soon }\n`),
  );
  const r = await runCliInProcess(['config', 'check', '--config', bad], { cwd: ws.dir, env });
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /: 2 problems\n/);
  assert.ok(r.stderr.includes(`${bad}:${after}:3: duplicate key \`p${PROVIDERS - 1}\``), r.stderr);
  assert.ok(r.stderr.includes(`${bad}:${after + 1}:35: providers.last.timeout: expected a duration`), r.stderr);
  assert.ok(!`${r.stderr}${checked.stdout}${checked.stderr}`.includes(env.SHARED_KEY));
});

// The parser's own toJS found each YAML alias's anchor by walking the document to it: 100,000 of them ran for minutes.
test('100,000 gateway aliases, each a YAML alias of one target, load in time linear in the file', async () => {
  const ALIASES = 100_000;
  const file = ws.write(
    'aliases/switchyard.yaml',
    [
      'providers: { s: { type: openai, base_url: "https://s.example.com/v1" } }',
      'main: { provider: s, model: m1 }',
      'auxiliary: { t: { provider: s, model: &m s/m2 } }',
      `gateway: { aliases: {${Array.from({ length: ALIASES }, (_, i) => `a${i.toString(36)}: *m`).join(',')}} }`,
    ].join('\n') + '\n',
  );
  const r = await runCliInProcess(['config', 'check', '--config', file], { cwd: ws.dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok: .*\(1 provider, main s\/m1\)/m);
});

test('a merge key given a scalar is a located mistake, not an internal error', async () => {
  const file = ws.write(
    'merge/switchyard.yaml',
    'providers:\n  p:\n    <<: 5\n    type: openai\nmain: { provider: p, model: m }\n',
  );
  const r = await runCliInProcess(['config', 'check', '--config', file], { cwd: ws.dir, env });
  assert.equal(r.code, 2, r.stdout);
  assert.ok(r.stderr.includes(`${file}:3:5: YAML merge key \`<<\` takes a mapping`), r.stderr);
});

test('--config on a FIFO, /dev/zero or /dev/urandom is refused at once: regular files only', async () => {
  const fifo = join(ws.dir, 'config.fifo');
  execFileSync('mkfifo', [fifo]);
  const cases = [
    [fifo, 'a named pipe (FIFO)'],
    ['/dev/zero', 'a character device'],
    ['/dev/urandom', 'a character device'],
  ] as const;
  for (const [path, kind] of cases) {
    // A reader that hung would be killed at the timeout and fail the exit-code check.
    const r = await runCliInProcess(['config', 'check', '--config', path], { cwd: ws.dir, env, timeoutMs: 20_000 });
    assert.deepEqual(
      [r.code, r.stderr],
      [2, `switchyard: cannot read config ${path}: it is ${kind}, not a regular file\n`],
    );
  }
  const dir = join(ws.dir, 'fifo-env');
  ws.write('fifo-env/switchyard.yaml', 'providers:\n  p: { type: openai, base_url: "https://p.example.com/v1" }\n');
  execFileSync('mkfifo', [join(dir, '.env')]);
  const r = await runCliInProcess(['config', 'check', '--config', join(dir, 'switchyard.yaml')], {
    cwd: ws.dir,
    env,
    timeoutMs: 20_000,
  });
  assert.deepEqual(
    [r.code, r.stderr],
    [2, `switchyard: cannot read ${join(dir, '.env')}: it is a named pipe (FIFO), not a regular file\n`],
  );
});

test('a config file over 1 MiB is refused before it is parsed; one just under loads', async () => {
  const head =
    'providers:\n  p: { type: openai, base_url: "https://p.example.com/v1" }\nmain: { provider: p, model: m }\n';
  const padding = (bytes: number): string => `# ${'x'.repeat(bytes - 3)}\n`;
  const under = ws.write('under/switchyard.yaml', head + padding(MIB - head.length));
  const over = ws.write('over/switchyard.yaml', head + padding(2 * MIB));
  const ok = await runCliInProcess(['config', 'check', '--config', under], { cwd: ws.dir, env });
  assert.equal(ok.code, 0, ok.stderr);
  const r = await runCliInProcess(['config', 'check', '--config', over], { cwd: ws.dir, env });
  assert.deepEqual(
    [r.code, r.stderr],
    [2, `switchyard: cannot read config ${over}: it is larger than the 1 MiB a config file may be (2.0 MiB)\n`],
  );
});
