// `npm test`: every test file, in a few groups that run side by side, each group's files in one process
// (`--test-isolation=none`): loading Node and the app once per group instead of once per file halves the suite's CPU.
// Arguments (`npm test -- test/x.test.ts`, `-- --test-name-pattern=seed`) go to plain `node --test`, a process per file.
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** A group: the files whose path starts with one of `prefixes`, in one process unless `isolate`. */
interface Group {
  name: string;
  prefixes: string[];
  /** Each file in a process of its own: for files that build or install the package itself. */
  isolate?: string;
  /** Run once every other group has ended, and why. */
  after?: string;
}

/** Balanced by wall time (the gateway's and the CLI's files mostly wait on processes and sockets). A file no prefix
 * names runs in `rest`. */
const GROUPS: Group[] = [
  { name: 'gateway a–o', prefixes: ['test/gateway/[a-o]'] },
  { name: 'gateway p–r', prefixes: ['test/gateway/[p-r]'] },
  { name: 'gateway s–z', prefixes: ['test/gateway/[s-z]'] },
  { name: 'cli', prefixes: ['test/cli/'] },
  { name: 'state, config', prefixes: ['test/state/', 'test/config/'] },
  {
    name: 'faults',
    // The scale suite's scenario too (test/scale/): the same kind of figures, across hosts.
    prefixes: ['test/faults/', 'test/scale/'],
    after: 'its figures are waits and overshoot under load, which a machine busy with the other groups would blur',
  },
  {
    name: 'live clients',
    prefixes: ['test/clients/live-tier'],
    after:
      'it drives the real clients, each with gateways of its own, for minutes (skipped where they are not installed)',
  },
  {
    name: 'package',
    prefixes: ['test/package/'],
    isolate: 'it builds and packs the package: nothing else should see its dist/ come and go',
  },
  // The image's build waits minutes on the network and the builder, beside the other groups rather than in one.
  { name: 'deploy', prefixes: ['test/deploy/'] },
  { name: 'rest', prefixes: [] },
];

interface Outcome {
  group: Group;
  files: number;
  code: number;
  output: string;
  seconds: number;
}

function matches(file: string, prefix: string): boolean {
  return prefix.includes('[') ? new RegExp(`^${prefix}`).test(file) : file.startsWith(prefix);
}

function assign(files: string[]): Map<Group, string[]> {
  const byGroup = new Map<Group, string[]>(GROUPS.map((g) => [g, []]));
  const rest = GROUPS.find((g) => g.prefixes.length === 0)!;
  for (const file of files) {
    const group = GROUPS.find((g) => g.prefixes.some((p) => matches(file, p))) ?? rest;
    byGroup.get(group)!.push(file);
  }
  return byGroup;
}

function runGroup(group: Group, files: string[]): Promise<Outcome> {
  const started = Date.now();
  const isolation = group.isolate !== undefined ? 'process' : 'none';
  const args = ['--test', `--test-isolation=${isolation}`, '--test-reporter=spec', ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code, signal) =>
      resolve({
        group,
        files: files.length,
        code: code ?? (signal !== null ? 1 : 0),
        output,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
}

/** The spec reporter's closing counts (`ℹ tests 12`), summed over the groups. */
function counts(outputs: string[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const out of outputs)
    for (const m of out.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm))
      total[m[1]!] = (total[m[1]!] ?? 0) + Number(m[2]);
  return total;
}

/** Lines kept of each failure, and of a group's output when it has no failures listed, printed again at the end of
 * the run, where a CI log cut to its tail still shows them. */
const LINES_PER_FAILURE = 16;
const LINES_OF_CRASH = 60;

/** The spec reporter's `✖ failing tests:` section of a group's output, each failure cut to its first lines; or the
 * output's last lines when it has none (a process that crashed or was killed). */
function whatFailed(output: string): string {
  const at = output.lastIndexOf('✖ failing tests:');
  if (at < 0) return output.trimEnd().split('\n').slice(-LINES_OF_CRASH).join('\n');
  const failures = output
    .slice(at)
    .trimEnd()
    .split(/\n(?=test at )/);
  // Node's own frames say nothing about which of our lines failed.
  const ours = (line: string): boolean => !/^\s+at .*\(?node:/.test(line);
  return failures.map((f) => f.split('\n').filter(ours).slice(0, LINES_PER_FAILURE).join('\n')).join('\n\n');
}

async function main(args: string[]): Promise<number> {
  if (args.length > 0) {
    // A file shared by a group keeps its servers open when a name pattern filters out every test of it (its
    // `after` hooks never run), so a filtered run gives each file its own process.
    const files = args.some((a) => !a.startsWith('-')) ? [] : ['test/**/*.test.ts'];
    const child = spawn(process.execPath, ['--test', ...args, ...files], { stdio: 'inherit' });
    return await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  }
  const byGroup = [...assign(globSync('test/**/*.test.ts').sort())].filter(([, files]) => files.length > 0);
  const started = Date.now();
  process.stdout.write(
    `running ${byGroup.length} groups side by side on ${availableParallelism()} cores: ${byGroup.map(([g, f]) => `${g.name} (${f.length})`).join(', ')}\n`,
  );
  const run = async ([group, files]: [Group, string[]]): Promise<Outcome> => {
    const outcome = await runGroup(group, files);
    process.stdout.write(
      `\n── ${group.name}: ${files.length} files, ${outcome.seconds.toFixed(0)} s, exit ${outcome.code}\n`,
    );
    process.stdout.write(outcome.output);
    return outcome;
  };
  const outcomes = await Promise.all(byGroup.filter(([g]) => g.after === undefined).map(run));
  for (const entry of byGroup.filter(([g]) => g.after !== undefined)) {
    process.stdout.write(`\n── ${entry[0].name} now, on its own: ${entry[0].after}\n`);
    outcomes.push(await run(entry));
  }
  const total = counts(outcomes.map((o) => o.output));
  const failed = outcomes.filter((o) => o.code !== 0);
  process.stdout.write(
    `\n── all: ${Object.entries(total)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  for (const o of failed) {
    process.stdout.write(
      `\nfailed: ${o.group.name} (exit ${o.code}); its output is above, and what failed again here:\n`,
    );
    process.stdout.write(`${whatFailed(o.output)}\n`);
  }
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
