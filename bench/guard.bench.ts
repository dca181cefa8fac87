// `node bench/guard.bench.ts`: what the secrets guard costs (issue #56, docs/guard.md#cost). Two parts:
// - the scan alone, in this process: µs per KB of guardBody over a 200 KB agent conversation (tool results of code,
//   logs and prose, a base64 image), clean and with secrets planted; beside it secretlint's recommended preset
//   (`@secretlint/core` lintSource) over the same text when it can be imported (BENCH_SECRETLINT=/path/node_modules).
// - the request: gateways in their own processes (bench/serve.ts `guard-gateway`, guard off and on) in front of the
//   fake upstream, each sent the same 200 KB body in interleaved slices; the CPU each spent per request, and the
//   guard's share of it. BENCH_REQUESTS per slice (100), BENCH_SLICES (4), BENCH_MODE (redact).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { guardBody } from '../src/guard/body.ts';
import { serve, type Served } from './server-process.ts';

const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 100);
const SLICES = Number(process.env['BENCH_SLICES'] ?? 4);
const MODE = process.env['BENCH_MODE'] ?? 'redact';

/** An agent's turn of about `kb` KB: a conversation of file reads, command output and prose. */
export function guardBenchBody(kb: number, planted: string[] = []): string {
  const code = `export function handler(req, res) {\n  const id = req.params.id; // ${randomUUID()}\n  return db.query('select * from t where id = $1', [id]);\n}\n`;
  const log = `2026-11-25T10:00:00Z INFO request_id=${randomUUID()} status=200 ms=12 path=/v1/items?page=2\n`;
  const prose = 'The function reads the item and returns it; the token budget is spent on the tool results. ';
  const messages: unknown[] = [{ role: 'system', content: 'You are a coding agent.' }];
  let size = 0;
  for (let i = 0; size < kb * 1024; i++) {
    const text = i % 3 === 0 ? code.repeat(20) : i % 3 === 1 ? log.repeat(30) : prose.repeat(25);
    const content = i === 7 ? `${text}\n${planted.join('\n')}` : text;
    messages.push({ role: 'user', content: `step ${i}` }, { role: 'tool', tool_call_id: `call_${i}`, content });
    size += content.length + 40;
  }
  messages.push({
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url: `data:image/png;base64,${randomBytes(20_000).toString('base64')}` } },
    ],
  });
  return JSON.stringify({ model: 'main', messages, max_tokens: 16 });
}

function perKb(label: string, text: string, run: (t: string) => unknown, rounds = 200): number {
  for (let i = 0; i < 20; i++) run(text);
  const start = performance.now();
  for (let i = 0; i < rounds; i++) run(text);
  const us = ((performance.now() - start) * 1000) / rounds;
  process.stdout.write(
    `${label.padEnd(44)} ${us.toFixed(0).padStart(7)} µs/body  ${(us / (text.length / 1024)).toFixed(2).padStart(6)} µs/KB\n`,
  );
  return us;
}

async function scanFigures(): Promise<void> {
  const secrets = [
    `AKIA${'QWERTYUIOPASDFGH'}`,
    'GITHUB_TOKEN=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',
    'password=Xk9$mQ2!vL7#pz',
  ];
  const clean = guardBenchBody(200);
  const dirty = guardBenchBody(200, secrets);
  process.stdout.write(`body: ${(clean.length / 1024).toFixed(0)} KB\n`);
  const [cleanBytes, dirtyBytes] = [Buffer.from(clean), Buffer.from(dirty)];
  perKb('JSON.parse (what the gateway does anyway)', clean, (t) => JSON.parse(t));
  perKb('guardBody log, no secret', clean, () => guardBody(cleanBytes, 'log'));
  perKb('guardBody redact, 3 secrets', dirty, () => guardBody(dirtyBytes, 'redact'));
  const dir = process.env['BENCH_SECRETLINT'];
  if (dir === undefined) return;
  const core = (await import(pathToFileURL(join(dir, '@secretlint/core/module/index.js')).href)) as {
    lintSource: (o: unknown) => Promise<unknown>;
  };
  const preset = (await import(
    pathToFileURL(join(dir, '@secretlint/secretlint-rule-preset-recommend/module/index.js')).href
  )) as {
    creator: unknown;
  };
  const options = { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] } };
  const lint = (t: string) =>
    core.lintSource({ source: { filePath: '/body.json', content: t, ext: '.json', contentType: 'text' }, options });
  const found = (await lint(dirty)) as { messages: unknown[] };
  process.stdout.write(`secretlint finds ${found.messages.length} in the planted body\n`);
  for (const [label, text] of [
    ['secretlint preset-recommend, no secret', clean],
    ['secretlint preset-recommend, 3 secrets', dirty],
  ] as const) {
    for (let i = 0; i < 5; i++) await lint(text);
    const start = performance.now();
    for (let i = 0; i < 30; i++) await lint(text);
    const us = ((performance.now() - start) * 1000) / 30;
    process.stdout.write(
      `${label.padEnd(44)} ${us.toFixed(0).padStart(7)} µs/body  ${(us / (text.length / 1024)).toFixed(2).padStart(6)} µs/KB\n`,
    );
  }
}

async function send(gw: Served, body: string): Promise<void> {
  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key!}` },
      body,
    });
    await res.arrayBuffer();
  }
}

async function requestFigures(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-guard-bench-'));
  const upstream = await serve(['upstream']);
  const off = await serve(['guard-gateway', upstream.url, join(dir, 'off.log'), 'off']);
  const on = await serve(['guard-gateway', upstream.url, join(dir, 'on.log'), MODE]);
  const body = guardBenchBody(200, [`AKIA${'QWERTYUIOPASDFGH'}`]);
  const cpu = { off: 0, on: 0 };
  try {
    await send(off, body);
    await send(on, body);
    for (let s = 0; s < SLICES; s++) {
      for (const [name, gw] of [
        ['off', off],
        ['on', on],
      ] as const) {
        const before = (await gw.usage()).cpuMicros;
        await send(gw, body);
        cpu[name] += (await gw.usage()).cpuMicros - before;
      }
    }
    const n = REQUESTS * SLICES;
    const [a, b] = [cpu.off / n, cpu.on / n];
    process.stdout.write(
      `gateway CPU per 200 KB request: guard off ${a.toFixed(0)} µs, guard ${MODE} ${b.toFixed(0)} µs: +${(((b - a) / a) * 100).toFixed(1)} %\n`,
    );
  } finally {
    for (const s of [on, off, upstream]) s.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  await scanFigures();
  await requestFigures();
}
