// The silence clock behind every upstream timeout (providers/silence-timer.ts) judges the upstream, not this process:
// what arrived while the process was too busy to read it counts before the clock says silence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { SilenceTimer } from '../../src/providers/silence-timer.ts';
import { until } from '../helpers/until.ts';

/** Both ends of a loopback TCP connection. */
async function socketPair(): Promise<{ near: Socket; far: Socket } & AsyncDisposable> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const near = connect(address.port, '127.0.0.1');
  await once(near, 'connect');
  const [far] = await accepted;
  return {
    near,
    far,
    async [Symbol.asyncDispose]() {
      near.destroy();
      far.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** This process, too busy to turn its event loop (a long GC, a big module loading, a machine with no core free). */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('a clock that runs out while the process is busy reads what came meanwhile before it says silence', async () => {
  await using pair = await socketPair();
  const said: string[] = [];
  const clock = new SilenceTimer(20, () => said.push('silent'));
  pair.near.on('data', () => {
    said.push('chunk');
    clock.touch();
  });
  clock.touch();
  // The chunk is in the socket before the clock runs out, but this process only gets to read it after.
  pair.far.write('a chunk');
  busyFor(60);
  await until('the clock to run out once nothing more comes', () => said.includes('silent'));
  clock.stop();
  assert.deepEqual(said, ['chunk', 'silent']);
});

test("a clock of the process's own silence that runs out while it is busy speaks before a peer's clock due later", async () => {
  const said: string[] = [];
  // A held stream's keep-alive (due first) and an upstream's first-token clock (due later), both run out in one stall.
  const own = new SilenceTimer(10, () => said.push('keep-alive'), { own: true });
  const peer = new SilenceTimer(40, () => said.push('first-token'));
  own.touch();
  peer.touch();
  busyFor(120);
  await until('both clocks to run out', () => said.length === 2);
  own.stop();
  peer.stop();
  assert.deepEqual(said, ['keep-alive', 'first-token']);
});
