// What a minted source is read to, and for how long: a key file that never ends (/dev/zero, /dev/urandom, a FIFO held
// open), a command printing past its bound, a token endpoint answering a body past its bound (said by Content-Length
// or found while reading) — each a failed mint naming the source and the bound, not a hang or a process out of memory.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Minter } from '../../src/credentials/minted/minter.ts';
import { mintedSource } from '../../src/credentials/minted/spec.ts';
import { MintError } from '../../src/credentials/minted/mint-error.ts';
import { readBounded } from '../../src/credentials/minted/file.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { loadedFrom } from '../routing/helpers.ts';

const ws = tempWorkspace('switchyard-mint-bounds-');
after(() => ws.cleanup());

function source(minted: Record<string, unknown>) {
  const loaded = loadedFrom(
    { providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', ...minted } } },
    { env: { PATH: process.env['PATH'] ?? '' } },
  );
  return mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!;
}

async function mintFailure(minted: Record<string, unknown>): Promise<MintError> {
  const m = new Minter();
  try {
    await m.token(source(minted));
  } catch (err) {
    if (MintError.isInstance(err)) return err;
    throw err;
  } finally {
    m.close();
  }
  assert.fail('the mint succeeded');
}

describe('minted sources are read within bounds', () => {
  it('a key file that never ends is refused at 64 KiB, naming the file and the bound', async () => {
    for (const path of ['/dev/zero', '/dev/urandom']) {
      const err = await mintFailure({ api_key_file: path });
      assert.equal(err.failure, 'format');
      assert.equal(
        err.message,
        `file ${path}: it holds more than 64 KiB (the most a key file is read to), which is not a key`,
      );
    }
  });

  it('a FIFO held open and never written is given up at the time bound; one written and closed is read', async () => {
    const fifo = join(ws.dir, 'held.fifo');
    execFileSync('mkfifo', [fifo]);
    const holder = spawn('sh', ['-c', 'exec 3<>"$1"; exec sleep 60', 'sh', fifo], { stdio: 'ignore' });
    try {
      const got = await readBounded(fifo, { maxBytes: 1024, timeoutMs: 200 });
      assert.deepEqual(got, {
        ok: false,
        failure: 'timeout',
        why: 'it did not end within 0.2s (the bound on reading a key file): is something holding it open without writing?',
      });
    } finally {
      holder.kill('SIGKILL');
    }
    const written = join(ws.dir, 'written.fifo');
    execFileSync('mkfifo', [written]);
    const writer = spawn('sh', ['-c', 'exec 3<>"$1"; printf "sk-from-fifo\\n" >&3; sleep 0.2', 'sh', written], {
      stdio: 'ignore',
    });
    try {
      assert.deepEqual(await readBounded(written, { maxBytes: 1024, timeoutMs: 5_000 }), {
        ok: true,
        text: 'sk-from-fifo\n',
      });
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('a key file that is not a token says what it holds, where a command says what it printed', async () => {
    const path = ws.write('two-lines.key', 'sk-one\nsk-two\n');
    const file = await mintFailure({ api_key_file: path });
    assert.equal(file.failure, 'format');
    assert.match(file.message, /^file .*two-lines\.key: it holds 2 lines; print the token alone on one line/);
    assert.equal(file.said, file.message.slice(file.source.length + 2), 'the words without the source, as a value');
    const command = await mintFailure({ api_key_command: "printf 'sk-one\\nsk-two\\n'" });
    assert.match(command.message, /: it printed 2 lines; print the token alone on one line/);
  });

  it('a missing file and a directory are said as such', async () => {
    assert.match((await mintFailure({ api_key_file: join(ws.dir, 'nope') })).message, /there is no such file$/);
    assert.match((await mintFailure({ api_key_file: ws.dir })).message, /it is a directory$/);
  });

  it('a command printing more than 64 KiB is stopped, and the failure says the bound', async () => {
    const err = await mintFailure({ api_key_command: "head -c 100000 /dev/zero | tr '\\0' a" });
    assert.equal(err.failure, 'format');
    assert.match(
      err.message,
      /printed more than 64 KiB \(the most a key command's output is read to\) and was stopped/,
    );
  });

  it('a token answer past 256 KiB is refused, by its Content-Length or while it is read', async () => {
    const huge = JSON.stringify({ access_token: 'a'.repeat(300 * 1024), expires_in: 3600 });
    const server = createServer((req, res) => {
      req.resume();
      if (req.url === '/sized') res.writeHead(200, { 'content-type': 'application/json' }).end(huge);
      else {
        // Chunked: no length said, found while reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(huge.slice(0, 1000));
        res.end(huge.slice(1000));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/sized', '/chunked']) {
        const err = await mintFailure({ oauth2: { token_url: `${url}${path}`, client_id: 'app', client_secret: 's' } });
        assert.equal(err.failure, 'format');
        assert.match(err.message, /answered 200 with more than 256 KiB \(the most a token answer is read to\)/);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
