// Every malformed or mistyped config is rejected by the real CLI with exit code 2 and a message that names the
// file:line:col, the key path, what was wrong, "did you mean" where a near key exists, and never a stack trace.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess, type CliResult } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { CASES, type MalformedCase } from './malformed-cases.ts';

const ws = tempWorkspace('switchyard-config-malformed-');
after(() => ws.cleanup());

/** Bounded parallelism: fast, without starting 80 Node processes at once. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function markedLine(yaml: string): number {
  const index = yaml.split('\n').findIndex((l) => l.includes('#<'));
  assert.ok(index >= 0, 'case has no #< marker');
  return index + 1;
}

function writeCase(c: MalformedCase, i: number): string {
  // Each case in its own directory, so a case's .env is beside only its own file.
  const file = ws.write(join(`case-${i}`, 'switchyard.yaml'), c.yaml);
  if (c.dotenv !== undefined) ws.write(join(`case-${i}`, '.env'), c.dotenv);
  return file;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The assertions for one case, on the part of the output that is about its file. */
function checkOutput(c: MalformedCase, file: string, out: string): void {
  assert.ok(!out.includes(`ok: ${file}`), `accepted:\n${out}`);
  assert.ok(!out.includes('    at '), `stack trace in output:\n${out}`);
  assert.ok(!out.includes('internal error'), `internal error:\n${out}`);
  const line = markedLine(c.yaml);
  assert.match(out, new RegExp(`${escape(file)}:${line}:\\d+`), `expected ${file}:${line}:col in:\n${out}`);
  if (c.path !== null) assert.ok(out.includes(c.path), `expected key path ${c.path} in:\n${out}`);
  if (c.hint !== undefined)
    assert.ok(out.includes(`did you mean \`${c.hint}\`?`), `expected did-you-mean ${c.hint} in:\n${out}`);
  if (c.says !== undefined) assert.ok(out.includes(c.says), `expected "${c.says}" in:\n${out}`);
}

/** Lines of a several-file run that mention this file (every error line names its file). */
function linesAbout(out: string, file: string): string {
  return out
    .split('\n')
    .filter((l) => l.includes(`${file}:`) || l.includes(`${file} `))
    .join('\n');
}

const run = (args: string[]): Promise<CliResult> =>
  runCliInProcess(['config', 'check', ...args], { cwd: ws.dir, env: { HOME: ws.home } });

/** The first few run exactly as a user would (`--config FILE`), the rest several files per process for speed. */
const SINGLE = 8;
const BATCH = 10;

test(
  `${CASES.length} malformed configs are each rejected with a located, explained error`,
  { timeout: 240_000 },
  async () => {
    assert.ok(CASES.length >= 50);
    const files = CASES.map(writeCase);
    const failures: string[] = [];
    const attempt = (i: number, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        failures.push(`${CASES[i]!.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const singles = files.slice(0, SINGLE).map((f, i) => ({ files: [f], first: i, single: true }));
    const batches: { files: string[]; first: number; single: boolean }[] = [...singles];
    for (let i = SINGLE; i < files.length; i += BATCH)
      batches.push({ files: files.slice(i, i + BATCH), first: i, single: false });
    await mapLimit(batches, 4, async (b) => {
      const r = await run(b.single ? ['--config', b.files[0]!] : b.files);
      const out = r.stderr + r.stdout;
      b.files.forEach((file, k) => {
        const i = b.first + k;
        attempt(i, () => {
          assert.equal(r.code, 2, `exit code (output: ${out})`);
          assert.ok(!out.includes('    at '), `stack trace in output:\n${out}`);
          checkOutput(CASES[i]!, file, b.single ? out : linesAbout(out, file));
        });
      });
    });
    assert.deepEqual(failures, [], `${failures.length} case(s) failed:\n\n${failures.join('\n\n')}`);
  },
);

test('several problems in one file are all listed, in file order', async () => {
  const file = ws.write(
    'multi/switchyard.yaml',
    'providers:\n  mimo:\n    type: opnai\n    base_url: nope\n    timout: 3s\nmain: { provider: mimoo, model: m }\nretry: { max_retries: -1 }\n',
  );
  const r = await runCliInProcess(['config', 'check', '--config', file], { cwd: ws.dir, env: { HOME: ws.home } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /5 problems/);
  const lines = [
    'providers.mimo.type',
    'providers.mimo.base_url',
    'providers.mimo.timout',
    'main.provider',
    'retry.max_retries',
  ].map((p) => r.stderr.indexOf(p));
  assert.ok(
    lines.every((n) => n >= 0),
    r.stderr,
  );
  assert.deepEqual(
    [...lines].sort((a, b) => a - b),
    lines,
    'issues are in file order',
  );
});
