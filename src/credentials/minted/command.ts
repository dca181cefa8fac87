// `api_key_command`: runs the command with a minimal environment and reads the token it prints, which never reaches a
// log or an error (docs/minted.md#api_key_command). Its own process group lets a timeout, or the process that ran
// it stopping (`stop`), end all it started: a child left hanging would outlive us, reparented to init.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CommandSpec } from './spec.ts';
import { commandWord } from './spec.ts';
import { MintError } from './mint-error.ts';
import { parseTokenOutput, type ParsedToken } from './output.ts';

/** More than any token: a command printing more is not printing a token. */
const MAX_OUTPUT_BYTES = 64 * 1024;

export function runKeyCommand(
  spec: CommandSpec,
  source: string,
  now: () => number,
  stop?: AbortSignal,
): Promise<ParsedToken> {
  const [file, args] = Array.isArray(spec.run) ? [spec.run[0] ?? '', spec.run.slice(1)] : ['/bin/sh', ['-c', spec.run]];
  const word = commandWord(spec.run);
  return new Promise<ParsedToken>((resolvePromise, reject) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
      windowsHide: true,
    });
    const stopGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    const stopped = (): void => fail(new MintError(source, 'exit', `${word} was stopped: Switchyard is stopping`));
    const done = (): void => {
      settled = true;
      clearTimeout(timer);
      stop?.removeEventListener('abort', stopped);
    };
    const fail = (err: MintError): void => {
      if (settled) return;
      done();
      stopGroup();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new MintError(
            source,
            'timeout',
            `${word} did not finish within ${Math.round(spec.timeoutMs / 100) / 10}s (api_key_command timeout) and was stopped`,
          ),
        ),
      spec.timeoutMs,
    );
    timer.unref();
    if (stop?.aborted === true) stopped();
    else stop?.addEventListener('abort', stopped, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES)
        fail(
          new MintError(
            source,
            'format',
            `${word} printed more than ${MAX_OUTPUT_BYTES / 1024} KiB (the most a key command's output is read to) and was stopped: that is not a token`,
          ),
        );
      else chunks.push(chunk);
    });
    // A pipe that fails is the command's failure: said when it closes, never an unhandled 'error'.
    child.stdout.on('error', () => stopGroup());
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ENOENT' && !existsSync(spec.cwd)
          ? `the directory it runs in (${spec.cwd}, the config's) does not exist`
          : err.code === 'ENOENT'
            ? `${word} was not found (it is looked for on the PATH it is given: ${spec.env['PATH'] ?? 'none'})`
            : err.code === 'EACCES'
              ? `${word} cannot be run (permission denied)`
              : `${word} could not be started (${err.code ?? err.message})`;
      fail(new MintError(source, 'spawn', why));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      if (code !== 0) {
        fail(
          new MintError(
            source,
            'exit',
            code === null
              ? `${word} was killed by ${signal ?? 'a signal'}`
              : `${word} exited with code ${code} (its output is not shown: it may hold a secret; run the command yourself to see why)`,
          ),
        );
        return;
      }
      const parsed = parseTokenOutput(Buffer.concat(chunks).toString('utf8'), now());
      if (!parsed.ok) {
        fail(new MintError(source, 'format', `${word}: ${parsed.why}`));
        return;
      }
      done();
      resolvePromise(parsed.value);
    });
  });
}
