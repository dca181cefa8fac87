// A caller's body's memory is given back once its request is over and every socket write of it has completed: never
// while a socket may still read it, which would send the upstream freed memory. Real sockets: a peer that does not
// read yet keeps a write pending, as an upstream slow to read its request does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { request } from 'undici';
import { bodyOver, holdBody, watchWrites } from '../../src/providers/body-memory.ts';

/** More than loopback's socket buffers take at once: a write of it stays pending until the peer reads. */
const SIZE = 8 * 1024 * 1024;

/** A body with memory of its own, as the gateway gathers one, and its bytes' hash. */
function body(): { bytes: Buffer; sha: string } {
  const bytes = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4096) bytes.write(`${i}:`, i);
  return { bytes, sha: createHash('sha256').update(bytes).digest('hex') };
}

/** A TCP peer that reads nothing until told to, then hashes all it received. */
interface Peer {
  port: number;
  client: Promise<Socket>;
  read: () => Promise<string>;
  close: () => void;
}

async function lazyPeer(): Promise<Peer> {
  const server = createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = once(server, 'connection').then(([s]) => s as Socket);
  const read = async (): Promise<string> => {
    const s = await client;
    const hash = createHash('sha256');
    let n = 0;
    s.on('data', (d: Buffer) => {
      hash.update(d);
      n += d.length;
    });
    s.resume();
    while (n < SIZE) await once(s, 'data');
    return hash.digest('hex');
  };
  return { port: (server.address() as AddressInfo).port, client, read, close: () => server.close() };
}

/** A held body, and a watched socket to a lazy peer to write it to. */
async function heldBodyOnSocket(): Promise<{ peer: Peer; socket: Socket; bytes: Buffer; sha: string }> {
  const peer = await lazyPeer();
  const socket = connect(peer.port, '127.0.0.1');
  await once(socket, 'connect');
  watchWrites(socket);
  const { bytes, sha } = body();
  holdBody(bytes);
  return { peer, socket, bytes, sha };
}

/** Whether `b`'s memory was given back (detached). */
const detached = (b: Uint8Array): boolean => (b.buffer as ArrayBuffer).detached;

/** Resolves once `check` holds, looked at after each turn of the event loop. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

test('a body whose request ends while its write is pending is given back only when the write completes, sent whole', async () => {
  const { peer, socket, bytes, sha } = await heldBodyOnSocket();
  let detachedAtCallback: boolean | undefined;
  const written = new Promise<void>((resolve) =>
    socket.write(bytes, () => {
      detachedAtCallback = detached(bytes);
      resolve();
    }),
  );
  await peer.client;
  bodyOver(bytes);
  assert.equal(detached(bytes), false, 'kept while the socket may still read it');
  const received = peer.read();
  await written;
  assert.equal(detachedAtCallback, true, 'given back before the write callback');
  assert.equal(await received, sha, 'the peer received the body as it was');
  socket.destroy();
  peer.close();
});

test('a body whose writes are done is kept until its request ends, then given back at once', async () => {
  const { peer, socket, bytes } = await heldBodyOnSocket();
  const written = new Promise<void>((resolve) => socket.write(bytes, () => resolve()));
  await peer.client;
  void peer.read();
  await written;
  assert.equal(detached(bytes), false, 'the request is not over');
  bodyOver(bytes);
  assert.equal(detached(bytes), true);
  socket.destroy();
  peer.close();
});

test('a write cut by the socket closing still gives the memory back', async () => {
  const { peer, socket, bytes } = await heldBodyOnSocket();
  const failed = new Promise<Error | null | undefined>((resolve) => socket.write(bytes, (err) => resolve(err)));
  socket.on('error', () => undefined);
  await peer.client;
  bodyOver(bytes);
  assert.equal(detached(bytes), false);
  socket.destroy();
  assert.ok((await failed) instanceof Error, 'the write did not complete');
  assert.equal(detached(bytes), true);
  peer.close();
});

test('a view of larger memory, or memory never held, is left to the collector', () => {
  const memory = Buffer.alloc(64);
  const view = memory.subarray(8, 32);
  holdBody(view);
  bodyOver(view);
  assert.equal(detached(memory), false);
  const plain = Buffer.alloc(64);
  bodyOver(plain);
  assert.equal(detached(plain), false);
});

test("undici's sockets are watched: a body sent upstream is not given back while the upstream has yet to read it", async () => {
  const { bytes, sha } = body();
  holdBody(bytes);
  let go: () => void = () => undefined;
  const resume = new Promise<void>((resolve) => (go = resolve));
  const arrived = Promise.withResolvers<IncomingMessage>();
  const server = createHttpServer((req, res) => {
    req.pause();
    arrived.resolve(req);
    void resume.then(async () => {
      const hash = createHash('sha256');
      for await (const chunk of req) hash.update(chunk as Buffer);
      res.end(hash.digest('hex'));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const answer = request(`http://127.0.0.1:${port}/`, { method: 'POST', body: bytes });
  await arrived.promise;
  bodyOver(bytes);
  assert.equal(detached(bytes), false, 'kept while undici still writes it');
  go();
  const res = await answer;
  assert.equal(await res.body.text(), sha, 'the upstream received the body as it was');
  await until(() => detached(bytes));
  server.close();
});
