// `node bench/request-instructions.ts <clone | proxy | floor> [off=READER,…]`: the instructions a non-streamed request
// costs, counted by valgrind's callgrind (not run by CI; needs valgrind). An instruction count is the same from run
// to run whatever else the machine is doing, so it measures a change to the request path, or what one reader of the
// request records costs (`off=`), when compare.bench.ts's CPU ratios drift on a busy machine. The gateway of `<clone>`
// (its bench/serve.ts gateway-ledger: the ledger, the line, the metrics) runs under callgrind against the fake
// upstream; after WARM (15000) requests at 4 connections the counters are zeroed, REQUESTS (1500) more run, and the
// counts are dumped per thread: the main thread's is the event loop's work; the others are V8's compiler and GC
// helpers, which vary more. BENCH_CONNECTIONS (4) sets the load's connections; BENCH_NODE_FLAGS and BENCH_ENV run the
// gateway with the settings `switchyard gateway` starts with plus those named (bench/gateway-process.ts), to count
// what a collector or allocator setting costs (the default, neither set, runs it as before: node's defaults).
// BENCH_BODY_KB sends an agent's body of that size rather than five words; BENCH_SHAPE=anthropic sends Anthropic's
// Messages to the gateway's Anthropic route (the proxy forwards it to the upstream's `/messages`) instead of OpenAI's
// chat completions.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { serve, stop } from './server-process.ts';
import { gatewayProcess } from './gateway-process.ts';
import { agentBody } from './agent-body.ts';
import { counted, perUnit, startCallgrind, stopCallgrind, type Callgrinded } from './callgrind.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const which = process.argv[2] ?? join(HERE, '..');
const off = process.argv.slice(3).filter((a) => a.startsWith('off='));
/** After 3,000 requests much of the request path still ran Maglev's code, not TurboFan's: the gateway counted 515k a
 * request against 415k after 15,000, the proxy 245k against 201k (bench/README.md, "Counted warm"). */
const WARM = Number(process.env['WARM'] ?? 15_000);
const REQUESTS = Number(process.env['REQUESTS'] ?? 1500);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 4);
/** Only when a setting is named: the counts stay comparable with earlier runs otherwise. */
const settings =
  process.env['BENCH_NODE_FLAGS'] !== undefined || process.env['BENCH_ENV'] !== undefined
    ? gatewayProcess('BENCH')
    : undefined;

/** BENCH_BODY_KB: an agent's OpenAI body of about that many KB (agent-body.ts), sent again and again as the sweep
 * sends it, instead of five words. */
const BODY_KB = Number(process.env['BENCH_BODY_KB'] ?? 0);
const ANTHROPIC = process.env['BENCH_SHAPE'] === 'anthropic';
const builtIn = which === 'proxy' || which === 'floor';
const MODEL = !ANTHROPIC ? 'main' : builtIn ? 'claude-bench' : 'bench_anthropic/claude-bench';
const BODY =
  BODY_KB > 0
    ? agentBody(ANTHROPIC ? 'anthropic' : 'openai', { bytes: BODY_KB * 1024 }, MODEL)
    : JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'Say hello in five words.' }],
        max_tokens: 16,
      });
const PATH = ANTHROPIC ? '/v1/messages' : '/v1/chat/completions';

/** `amount` requests, however long they take (a process under callgrind runs ~50 times slower). */
async function requests(url: string, key: string | undefined, amount: number): Promise<{ ok: number; failed: number }> {
  const r = await autocannon({
    url: `${url}${PATH}`,
    method: 'POST',
    connections: CONNECTIONS,
    amount,
    timeout: 600,
    headers: ANTHROPIC
      ? { 'content-type': 'application/json', 'x-api-key': key ?? '', 'anthropic-version': '2023-06-01' }
      : { 'content-type': 'application/json', authorization: `Bearer ${key ?? ''}` },
    body: BODY,
  });
  return { ok: r['2xx'], failed: r.non2xx + r.errors + r.timeouts };
}

const up = await serve(['upstream']);
const checkout = builtIn ? join(HERE, '..') : which;
let cg: Callgrinded | undefined;
try {
  cg = await startCallgrind(
    checkout,
    (dir) => {
      if (builtIn) return [which, up.url];
      mkdirSync(join(dir, 'gw'));
      return ['gateway-ledger', up.url, join(dir, 'gw', 'gateway.log'), ...off];
    },
    settings === undefined ? process.env : { ...process.env, ...settings.env },
    settings?.flags,
  );
  const { url, key } = cg.info;
  await requests(url, key, WARM);
  const r = await counted(cg, () => requests(url, key, REQUESTS));
  const { main, helpers } = perUnit(cg, Math.max(1, r.ok));
  console.log(
    `${which}${ANTHROPIC ? ' anthropic' : ''}${BODY_KB > 0 ? ` ${BODY_KB} KB` : ''} ${off.join(' ')}${
      settings === undefined
        ? ''
        : ` [${settings.flags.join(' ')} ${Object.entries(settings.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}]`
    } c${CONNECTIONS}: ${r.ok} requests (${r.failed} failed); instructions per request: main thread ${Math.round(main)}, other threads ${Math.round(helpers)}`,
  );
} finally {
  stopCallgrind(cg);
  await stop(up);
}
