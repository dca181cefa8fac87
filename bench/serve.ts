// One benchmark server per process, so load generator, upstream and system under test never share an event loop.
// Usage: node bench/serve.ts upstream | proxy URL | piped URL | floor URL | gateway URL LOG | stream-gateway URL LOG | sim |
// soak-gateway CONFIG LOG.
// Prints {url, key?} when listening and {cpuMicros, heapUsed?, rss?} on SIGUSR2; exits on SIGTERM. The fake upstream
// and the bare proxy load nothing of Switchyard (serve-switchyard.ts is imported only for the other roles).
import { getHeapSpaceStatistics } from 'node:v8';
import { startFakeUpstream } from './fake-upstream.ts';
import { startBareProxy } from './bare-proxy.ts';
import { startPipedProxy } from './piped-proxy.ts';
import type { ServerUsage } from './server-process.ts';

/** CPU used so far; with --expose-gc also the heap left after a full collection (what a leak would grow). */
function usage(): ServerUsage {
  const u = process.cpuUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { cpuMicros: u.user + u.system };
  // The young generation's size before the collection: what V8 grew it to under the load.
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  gc();
  const m = process.memoryUsage();
  return { cpuMicros: u.user + u.system, heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, young };
}

async function main(): Promise<void> {
  const [role, upstreamUrl] = process.argv.slice(2);
  let close: () => Promise<void>;
  if (role === 'upstream') {
    const up = await startFakeUpstream();
    close = up.close;
    process.stdout.write(`${JSON.stringify({ url: up.url })}\n`);
  } else if (role === 'proxy' && upstreamUrl) {
    const proxy = await startBareProxy(upstreamUrl);
    close = proxy.close;
    process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
  } else if (role === 'piped' && upstreamUrl) {
    const piped = await startPipedProxy(upstreamUrl);
    close = piped.close;
    process.stdout.write(`${JSON.stringify({ url: piped.url })}\n`);
  } else {
    // Before Switchyard loads, as `switchyard gateway` does (bin/switchyard.js): nextTick keeps its fast path.
    (await import('../src/gateway/server/tick-shape.ts')).holdTickShape();
    const { startSwitchyardRole } = await import('./serve-switchyard.ts');
    const started = await startSwitchyardRole(process.argv.slice(2));
    if (started === undefined) {
      process.stderr.write(
        'usage: node bench/serve.ts upstream | proxy <upstreamUrl> | piped <upstreamUrl> | floor <upstreamUrl> | gateway <upstreamUrl> <logFile> | stream-gateway <upstreamUrl> <logFile> | budgets-gateway <upstreamUrl> <logFile> on|off | sim | soak-gateway <configFile> <logFile>\n',
      );
      process.exit(2);
    }
    close = started.close;
    process.stdout.write(`${JSON.stringify(started.info)}\n`);
  }
  // SIGUSR2: report the CPU time used so far, so the benchmark can give CPU per request for each server.
  process.on('SIGUSR2', () => {
    process.stdout.write(`${JSON.stringify(usage())}\n`);
  });
  process.once('SIGTERM', () => {
    close().finally(() => process.exit(0));
  });
}

await main();
