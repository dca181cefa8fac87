// Reading a secret for `auth add`: from stdin when piped, or from a prompt that does not echo on a terminal.
// Never from argv (shell history, `ps`).
import { createInterface } from 'node:readline';
import { UserError } from '../user-error.ts';

/** Where the secret is read from and the prompt written to (a test passes its own). */
export interface SecretIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

export async function readSecret(prompt: string, io: SecretIo = process): Promise<string> {
  const text = io.stdin.isTTY ? await hiddenPrompt(prompt, io) : await readAll(io.stdin);
  return text.trim();
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/** Ctrl-C at the prompt: the shell convention for "interrupted" (128 + SIGINT). */
const INTERRUPTED = 130;

function hiddenPrompt(prompt: string, io: SecretIo): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    // Let only the prompt through readline's redraws, so typed characters never echo and the prompt is not erased.
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    const writeToOutput = (s: string): void => {
      if (s.startsWith(prompt)) io.stderr.write(prompt);
    };
    output._writeToOutput = writeToOutput;
    let answered = false;
    // Ctrl-C and Ctrl-D must settle the promise: an unsettled one leaves Node to end the process with its
    // "unsettled top-level await" warning and exit 13 instead of our own message.
    rl.on('SIGINT', () => {
      answered = true;
      rl.close();
      io.stderr.write('\n');
      reject(new UserError('cancelled; no key stored', { exitCode: INTERRUPTED }));
    });
    rl.on('close', () => {
      if (answered) return;
      io.stderr.write('\n');
      reject(new UserError('cancelled (end of input); no key stored', { exitCode: 2 }));
    });
    rl.question(prompt, (answer) => {
      answered = true;
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}
