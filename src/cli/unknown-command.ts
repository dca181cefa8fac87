// "unknown command" for words commander does not check itself (`help WORD`, `gateway WORD`), worded like
// commander's own message for `switchyard WORD` so every misspelt command reads the same.
import type { Command } from 'commander';
import { closest } from '../config/suggest.ts';

export function unknownCommand(parent: Command, word: string): never {
  const names = parent.commands.filter((c) => c.name() !== 'help').flatMap((c) => [c.name(), ...c.aliases()]);
  const guess = closest(word, names);
  // commander prints the message (one line: see usage-errors.ts) and throws; main() turns that into exit 2.
  parent.error(`error: unknown command '${word}'${guess ? `\n(Did you mean ${guess}?)` : ''}`, {
    code: 'commander.unknownCommand',
  });
}
