// What the AI SDK provider adds to a call: CPU per streamed call through router.chat (the floor), through a model's
// doStream (our face alone) and through ai 7's streamText (the whole SDK on top), against the simulator in this
// process, rounds interleaved. CPU is read from /proc (user + system), judged as ratios to the floor of the same run.
// `./dev node bench/ai-sdk.bench.ts [calls-per-round] [rounds]`; not run by CI.
import { readFileSync } from 'node:fs';
import { streamText } from 'ai7';
import { createSwitchyardProvider } from '../src/ai-sdk/index.ts';
import { createSwitchyard } from '../src/library/switchyard.ts';
import { startSimulator } from '../src/sim/server.ts';
import { openStore } from '../src/state/open.ts';
import { loadedFrom } from '../test/routing/helpers.ts';

const CALLS = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 5);
const TICK_US = 10_000; // USER_HZ is 100 on Linux

function cpuUs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

const KEY = 'sk-bench-aisdk-0000000001';
const sim = await startSimulator({ scenario: { keys: { [KEY]: {} } } });
const config = loadedFrom({
  providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: KEY } },
  main: { provider: 'sim', model: 'sim-large' },
});
const store = openStore({ kind: 'memory' });
const router = createSwitchyard({ config, store });
const provider = createSwitchyardProvider({ switchyard: router });
const model = provider('main');
const prompt = 'Say something short about rivers, please.';

const arms: Record<string, () => Promise<void>> = {
  'router.chat (floor)': async () => {
    const r = await router.chat({ messages: [{ role: 'user', content: prompt }], stream: true });
    if (r.status === 'ok') for await (const _ of r.events) void _;
  },
  'model.doStream': async () => {
    const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] });
    for await (const _ of stream) void _;
  },
  'ai 7 streamText': async () => {
    const r = streamText({ model, prompt });
    await r.text;
  },
};

const totals = new Map<string, number>(Object.keys(arms).map((k) => [k, 0]));
for (const run of Object.values(arms)) for (let i = 0; i < 20; i++) await run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(arms)) {
    const before = cpuUs();
    for (let i = 0; i < CALLS; i++) await run();
    totals.set(name, totals.get(name)! + (cpuUs() - before));
  }
}
const floor = totals.get('router.chat (floor)')! / (CALLS * ROUNDS);
for (const [name, total] of totals) {
  const perCall = total / (CALLS * ROUNDS);
  console.log(`${name.padEnd(22)} ${perCall.toFixed(0).padStart(6)} µs CPU/call  ${(perCall / floor).toFixed(2)}×`);
}
await router.close();
await store.close();
await sim.close();
