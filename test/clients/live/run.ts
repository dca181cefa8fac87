// `npm run test:clients`: installs the real clients at pinned versions (install.ts), starts a gateway in front of
// the simulator and one whose routes all fail (world.ts), drives every client end to end through a recording proxy
// (cases.ts), and prints a results table. Not part of `npm test` or CI: it needs the npm registry and takes minutes.
//   npm run test:clients                     every case
//   npm run test:clients -- --only codex     the cases whose client or fixture name contains "codex"
//   npm run test:clients -- --record         also writes what each client sent to test/fixtures/clients/
//   npm run test:clients -- --markdown       the table as Markdown (for docs/clients.md)
//   npm run test:clients -- --serve          start the gateways, print their URLs and keys, and wait (Ctrl-C)
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CASES, errorLine, lastLine, type LiveCase, type RunOutcome } from './cases.ts';
import { installClients, PINNED } from './install.ts';
import { HOME, WORKDIR, prepareHome } from './home.ts';
import { startWorld, type World } from './world.ts';
import type { Exchange } from '../record.ts';
import { writeFixtures } from './write-fixtures.ts';

export interface CaseResult {
  c: LiveCase;
  version: string;
  pass: boolean;
  note: string;
  outcome: RunOutcome;
  seconds: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const OUTPUT_LIMIT = 1 << 20;

async function runCase(c: LiveCase, world: World): Promise<CaseResult> {
  const key = world.use(c.world);
  const ctx = { url: world.recorder.url, key };
  const started = Date.now();
  let code: number | null = 0;
  let output = '';
  let timedOut = false;
  const turns: Exchange[][] = [];
  for (const [i, turn] of [{ command: c.command, before: c.before }, ...(c.then ?? [])].entries()) {
    turn.before?.(world);
    const command = turn.command(ctx);
    const r = await spawnBounded(
      command.cmd,
      command.args,
      { ...baseEnv(), ...command.env },
      c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      command.cwd ?? WORKDIR,
    );
    output += i === 0 ? r.output : `\n--- turn ${i + 1} ---\n${r.output}`;
    if (code === 0) code = r.code;
    timedOut ||= r.timedOut;
    turns.push(world.recorder.take());
    if (r.timedOut) break;
  }
  const ended = Date.now();
  const seconds = (ended - started) / 1000;
  const exchanges = turns.flat();
  const first = exchanges[0]?.at ?? ended;
  const outcome: RunOutcome = { code, output, exchanges, turns, seconds, afterFirstRequest: (ended - first) / 1000 };
  const problem = timedOut
    ? `still running after ${Math.round(seconds)}s: ${lastLine(output)}`
    : (c.check(outcome) ?? (await c.after?.(world)));
  const requests = `${outcome.exchanges.length} request${outcome.exchanges.length === 1 ? '' : 's'}`;
  // A client's start-up (OpenCode's: seconds) is not the failure's doing: the time after its first request is said too.
  const timing = `${seconds.toFixed(1)}s (${outcome.afterFirstRequest.toFixed(1)}s after the first)`;
  const note =
    c.world !== 'ok' && c.world !== 'failover'
      ? `${requests} in ${timing}; ${problem ?? `shows: ${errorLine(output)}`}`
      : (problem ?? `${lastLine(output)} (${requests})`);
  return { c, version: PINNED[c.pkg] ?? '?', pass: problem === undefined, note, outcome, seconds };
}

/** Only what a client needs to run: none of the caller's own API keys or settings leak in. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {
    HOME,
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    CI: '1',
  };
  if (process.env['TMPDIR']) env['TMPDIR'] = process.env['TMPDIR'];
  return env;
}

function spawnBounded(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  cwd: string,
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Kept as bytes and decoded once: a character split between two chunks would not survive decoding each.
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const take = (chunk: Buffer): void => {
      if (size >= OUTPUT_LIMIT) return;
      chunks.push(chunk);
      size += chunk.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    // The agents start helpers of their own: the whole process group goes.
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already: it ended as the timer fired.
      }
    }, timeoutMs);
    child.on('error', (err) => take(Buffer.from(`\n${err.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: stripAnsi(Buffer.concat(chunks).toString('utf8')), timedOut });
    });
  });
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

export function table(results: readonly CaseResult[], markdown: boolean): string {
  const rows = results.map((r) => [r.c.client, r.version, r.c.name, r.pass ? 'pass' : 'FAIL', r.note]);
  const head = ['client', 'version', 'case', 'result', 'note'];
  if (markdown) {
    // A note may quote the client's prompt (`<system-reminder> …`): escaped, so Markdown shows it.
    const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/</g, '&lt;');
    return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : (r[i] ?? '').length))));
  const line = (r: string[]): string => r.map((s, i) => (i === 4 ? s : s.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      record: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      serve: { type: 'boolean', default: false },
    },
  });
  if (values.serve) return serve();
  const only = values.only?.toLowerCase();
  const cases = CASES.filter(
    (c) => !only || `${c.client} ${c.fixtures} ${c.fixtures}-${c.name}`.toLowerCase().includes(only),
  );
  installClients((line) => console.error(line));
  const world = await startWorld();
  prepareHome(world.recorder.url);
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      process.stderr.write(`${c.client} ${c.name} … `);
      const r = await runCase(c, world);
      process.stderr.write(`${r.pass ? 'pass' : 'FAIL'} (${r.seconds.toFixed(1)}s)\n`);
      results.push(r);
    }
  } finally {
    await world.close();
  }
  console.log(table(results, values.markdown));
  const failed = results.filter((r) => !r.pass).length;
  console.log(`\n${results.length - failed}/${results.length} cases pass; node ${process.version}.`);
  if (values.record) for (const dir of writeFixtures(results)) console.error(`wrote ${dir}`);
  if (failed > 0) process.exitCode = 1;
}

/** The gateways, for trying a client by hand against them. */
async function serve(): Promise<void> {
  const world = await startWorld();
  for (const [name, g] of Object.entries(world.gateways)) console.log(`${name.padEnd(8)} ${g.url}  key ${g.key}`);
  console.log(`recorder ${world.recorder.url} (→ ok)\nCtrl-C stops.`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await world.close();
}

if (import.meta.main) await main();
