// `node bench/reader-instructions.ts [ledger|log] [N]`: the instructions one usage-ledger row and one request log
// line cost, each alone, counted by valgrind's callgrind (not run by CI; needs valgrind). In situ
// (request-instructions.ts) a reader's cost is the difference of two gateways, and both move: under callgrind a
// gateway serves ~50 times slower, so the ledger's 100 ms batches hold a row or two instead of ~150 (each row paying a
// whole transaction), and V8 moves work between the main thread and its helpers by tens of thousands of
// instructions a request. Here the child writes WARM rows (lines) so the JIT settles, has callgrind zero its
// counters, writes N more and has them dumped: the main thread's count over N. The rows go as the ledger writes them
// (SQLite, batches of BATCH, default 150: ~50 ms at 3,000 requests a second), the lines as the gateway writes them
// (writeRequestLine, lineWriter, the batched file destination).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteUsageStore } from '../src/usage/sqlite-store.ts';
import type { UsageRow } from '../src/usage/row.ts';
import { createLogger, lineWriter, rawJson } from '../src/log.ts';
import { batchedDestination } from '../src/log-destination.ts';
import { writeRequestLine } from '../src/gateway/plugins/request-log.ts';
import type { GatewayContext } from '../src/gateway/context.ts';
import type { RequestRecord } from '../src/gateway/records/request-record.ts';
import type { Attempt } from '../src/calls/types.ts';

const WARM = Number(process.env['WARM'] ?? 3000);
const BATCH = Number(process.env['BATCH'] ?? 150);

const ATTEMPT: Attempt = {
  route: 'bench/bench-model',
  provider: 'bench',
  model: 'bench-model',
  credential: { fingerprint: 'c0ffee12', masked: 'sk-…0000', sources: [], from: [] },
  outcome: 'ok',
  status: 200,
  latency_ms: 1.2,
  wait_ms: 0,
  started_at: 0,
  usage: { input_tokens: 12, output_tokens: 9 },
};

function row(i: number): UsageRow {
  return {
    id: `req_${i.toString(36).padStart(12, '0')}`,
    at: 1_790_000_000_000 + i,
    client_key: 'bench',
    task: 'main',
    model: 'main',
    alias: '',
    route: 'bench/bench-model',
    credential: 'c0ffee12',
    attempts: 1,
    input_tokens: 12,
    output_tokens: 9,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated: false,
    cost_usd: 0.000_03,
    status: 'ok',
    failure_kind: '',
    latency_ms: 1.53,
    ttft_ms: null,
    stream_end: '',
    charges: [
      {
        route: 'bench/bench-model',
        credential: 'c0ffee12',
        outcome: 'ok',
        input_tokens: 12,
        output_tokens: 9,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
        estimated: false,
        cost_usd: 0.000_03,
      },
    ],
  };
}

/** Made as the gateway makes its records (records/request-end.ts), one literal: a record spread from a fixture
 * (test/helpers/request-record.ts) read ~1,000 more instructions a line. */
function record(i: number): RequestRecord {
  const id = `req_${i.toString(36).padStart(12, '0')}`;
  return {
    id,
    idJson: rawJson(id, true),
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    api: 'openai',
    chat: true,
    clientKey: 'bench',
    model: 'main',
    alias: undefined,
    task: 'main',
    route: 'bench/bench-model',
    routeLabel: 'bench/bench-model',
    credential: 'c0ffee12',
    attempts: 1,
    trail: [ATTEMPT],
    decisions: undefined,
    gaveUp: undefined,
    usage: { input_tokens: 12, output_tokens: 9 },
    row: undefined,
    outcome: 'ok',
    error: undefined,
    explained: undefined,
    failures: undefined,
    stream: false,
    streamEnd: undefined,
    ttftMs: undefined,
    ms: 1.53 + (i % 7) / 10,
    upstreamMs: 1.2,
    droppedTools: undefined,
    mcp: undefined,
    conversation: undefined,
    guard: undefined,
  };
}

/** Rows `from` to `to` in batches, as the ledger writes them (the rows made before, as the ledger gets them). */
async function writeRows(store: SqliteUsageStore, from: number, to: number): Promise<void> {
  const batches: UsageRow[][] = [];
  for (let b = from; b < to; b += BATCH) {
    const rows: UsageRow[] = [];
    for (let i = b; i < Math.min(to, b + BATCH); i++) rows.push(row(i));
    batches.push(rows);
  }
  await control('-z');
  for (const rows of batches) await store.write(rows);
}

/** Asks callgrind (this process runs under it) to zero or dump its counters: callgrind_control answers once the
 * command ran, which needs JavaScript running meanwhile (a ticker). */
async function control(flag: '-z' | '-d'): Promise<void> {
  const ticker = setInterval(() => {}, 5);
  await new Promise<void>((resolve, reject) =>
    execFile('callgrind_control', [flag, String(process.pid)], (err) => (err ? reject(err) : resolve())),
  );
  clearInterval(ticker);
}

/** The child, under callgrind: WARM rows (lines), the counters zeroed, N more, the counters dumped. */
async function child(what: string, n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-reader-'));
  try {
    if (what === 'ledger') {
      const store = new SqliteUsageStore({ path: join(dir, 'usage.db') });
      await store.open();
      await writeRows(store, 0, WARM);
      await writeRows(store, WARM, WARM + n);
      await control('-d');
      await store.close();
    } else {
      const destination = batchedDestination({ dest: join(dir, 'gateway.log') });
      const ctx = {
        requestLine: lineWriter(createLogger({ level: 'info', destination })),
      } as unknown as GatewayContext;
      const records = Array.from({ length: WARM + n }, (_, i) => record(i));
      for (let i = 0; i < WARM; i++) writeRequestLine(ctx, records[i]!);
      await control('-z');
      for (let i = WARM; i < WARM + n; i++) writeRequestLine(ctx, records[i]!);
      destination.flush();
      await control('-d');
      destination.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Instructions per row (line) on the main thread, from the dump taken after the N. */
async function counted(what: string, n: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-reader-cg-'));
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
          what,
          String(n),
        ],
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    // The dump asked for (cg.out.1-01: the first dump, main thread); the files at exit come after it.
    const file = readdirSync(dir).filter((f) => /^cg\.out\.1-01$/.test(f))[0] ?? readdirSync(dir).sort()[0]!;
    return Number(/(?:summary|totals): (\d+)/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? NaN) / n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, first, second] = process.argv.slice(2);
if (mode === 'child') await child(first ?? 'log', Number(second));
else {
  const one = mode === 'log' || mode === 'ledger';
  const n = Number((one ? first : mode) ?? 20_000);
  for (const w of one ? [mode] : ['ledger', 'log']) {
    const per = await counted(w, n);
    console.log(
      `${w}: ${Math.round(per)} instructions per ${w === 'ledger' ? 'row' : 'line'} (${n} after ${WARM} to warm)`,
    );
  }
}
