// Reading a secret for `auth add`: from stdin when piped, or from a prompt that does not echo on a terminal.
// Never from argv (shell history, `ps`).
import { createInterface } from 'node:readline';

export async function readSecret(prompt: string): Promise<string> {
  const text = process.stdin.isTTY ? await hiddenPrompt(prompt) : await readAll(process.stdin);
  return text.trim();
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

function hiddenPrompt(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Swallow the echo of typed characters; only the prompt itself is written.
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    output._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
