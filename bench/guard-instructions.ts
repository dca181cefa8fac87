// `node bench/guard-instructions.ts [N]`: the instructions the secrets guard costs on a 200 KB request body against
// a `JSON.parse` of the same body, counted by valgrind's callgrind (repeatable under load, where CPU time on the shared
// development machine is not; needs valgrind). Two bodies: the benchmarks' agent body (bench/agent-body.ts, OpenAI
// shape, 200 KB: tool schemas, system prompt, file reads) and guard.bench.ts's (code, logs, prose, a base64 image).
// The child, under callgrind, runs each case WARM times so the JIT settles, has the counters zeroed, runs it N times
// and has them dumped: the main thread's count over N, per case.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardBody } from '../src/guard/body.ts';
import { agentBody } from './agent-body.ts';
import { guardBenchBody } from './guard.bench.ts';

const WARM = Number(process.env['WARM'] ?? 200);
const SECRETS = [
  `AKIA${'QWERTYUIOPASDFGH'}`,
  'GITHUB_TOKEN=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',
  'password=Xk9$mQ2!vL7#pz',
];

interface Case {
  name: string;
  run: () => unknown;
}

/** The cases, each over bytes made once (the gateway's body arrives as a Buffer). */
function cases(): Case[] {
  const agent = agentBody('openai', { bytes: 200 * 1024 }, 'main');
  const bench = guardBenchBody(200);
  const dirty = Buffer.from(guardBenchBody(200, SECRETS));
  const out: Case[] = [];
  for (const [name, text] of [
    ['agent body', agent],
    ['guard.bench body', bench],
  ] as const) {
    const bytes = Buffer.from(text);
    out.push(
      { name: `JSON.parse, ${name} (${(bytes.length / 1024).toFixed(0)} KB)`, run: () => JSON.parse(text) },
      { name: `guard log, ${name}, no secret`, run: () => guardBody(bytes, 'log') },
    );
  }
  out.push({ name: 'guard redact, guard.bench body, 3 secrets', run: () => guardBody(dirty, 'redact') });
  return out;
}

/** Asks callgrind (this process runs under it) to zero or dump its counters; a ticker keeps JavaScript running
 * meanwhile, which callgrind_control's command needs to be taken. */
async function control(flag: '-z' | '-d'): Promise<void> {
  const ticker = setInterval(() => {}, 5);
  await new Promise<void>((resolve, reject) =>
    execFile('callgrind_control', [flag, String(process.pid)], (err) => (err ? reject(err) : resolve())),
  );
  clearInterval(ticker);
}

/** The child, under callgrind: each case warmed, then counted over `n` runs, one dump per case. */
async function child(n: number): Promise<void> {
  for (const c of cases()) {
    for (let i = 0; i < WARM; i++) c.run();
    await control('-z');
    for (let i = 0; i < n; i++) c.run();
    await control('-d');
  }
}

/** Instructions per run of each case, from the child's dumps in order (the main thread's: `cg.out.K-01`). */
async function counted(n: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-guard-cg-'));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        'valgrind',
        [
          '--tool=callgrind',
          '--separate-threads=yes',
          `--callgrind-out-file=${join(dir, 'cg.out')}`,
          process.execPath,
          fileURLToPath(import.meta.url),
          'child',
          String(n),
        ],
        { maxBuffer: 1 << 24 },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    const dumps = readdirSync(dir)
      .filter((f) => /^cg\.out\.\d+-01$/.test(f))
      .sort((a, b) => parseInt(a.slice(7), 10) - parseInt(b.slice(7), 10));
    return dumps.map((f) => Number(/(?:summary|totals): (\d+)/.exec(readFileSync(join(dir, f), 'utf8'))?.[1]) / n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'child') await child(Number(arg));
else {
  const n = Number(mode ?? 20);
  const names = cases().map((c) => c.name);
  const per = await counted(n);
  const parse = [per[0]!, per[2]!];
  names.forEach((name, i) => {
    const base = parse[i < 2 ? 0 : 1]!;
    const ratio = name.startsWith('JSON.parse') ? '' : `  ${(per[i]! / base).toFixed(2)}× JSON.parse`;
    console.log(`${name.padEnd(48)} ${Math.round(per[i]! / 1000).toLocaleString('en')} K instructions${ratio}`);
  });
}
