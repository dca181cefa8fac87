// What OpenTelemetry costs the library per call: CPU per chat() against a fast fake upstream with no SDK registered
// (the floor: the library then only checks that nobody listens) and with an SDK recording every span and metric
// (in-memory exporter, batch processor). Rounds alternate so drift hits both alike; judged by the ratio.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { configSchema } from '../src/config/schema.ts';
import { createSwitchyard } from '../src/library/switchyard.ts';
import { openStore } from '../src/state/open.ts';
import { startFakeUpstream } from './fake-upstream.ts';

const CALLS = Number(process.env['CALLS'] ?? 1500);
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);

class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const upstream = await startFakeUpstream();
const config = configSchema.parse({
  providers: { fake: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-bench-0000000000001' } },
  main: { provider: 'fake', model: 'bench-model' },
});
const loaded = {
  config,
  path: null,
  dir: process.cwd(),
  dotenvPath: null,
  dotenv: {},
  env: {},
  origins: new Map(),
  warnings: [],
  loadedAt: Date.now(),
};
const router = createSwitchyard({ config: loaded, store: openStore({ kind: 'memory' }) });
const messages = [{ role: 'user' as const, content: 'hello' }];

async function run(): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await router.chat({ messages });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

function install(): () => Promise<void> {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
  const meterProvider = new MeterProvider({ readers: [new Reader()] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    trace.disable();
    metrics.disable();
    propagation.disable();
    context.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}

await run(); // warm-up
const off: number[] = [];
const on: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  off.push(await run());
  const uninstall = install();
  on.push(await run());
  await uninstall();
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`CPU per chat() call, ${CALLS} calls × ${ROUNDS} rounds (library + fake upstream in one process):`);
console.log(`  no SDK (floor): ${median(off).toFixed(0)} µs`);
console.log(`  SDK recording:  ${median(on).toFixed(0)} µs  (${(median(on) / median(off)).toFixed(2)}× the floor)`);
await router.close();
await upstream.close();
