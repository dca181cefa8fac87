// The chat REPL's slash commands, as data: parsing a line and the `/help` text both come from this table.

export const COMMANDS = [
  { name: 'title', usage: '/title [text]', help: 'show the session title, or set it (a title you set always wins)' },
  { name: 'compress', usage: '/compress', help: 'summarise the middle of the history now (auxiliary.compression)' },
  { name: 'model', usage: '/model [provider/model|default]', help: 'show or set the route for this session' },
  { name: 'session', usage: '/session', help: 'show the session id, route and prompt size' },
  { name: 'help', usage: '/help', help: 'this list' },
  {
    name: 'quit',
    usage: '/quit',
    help: 'leave (Ctrl-C at the prompt or Ctrl-D too); Ctrl-C during an answer cancels it',
  },
] as const;

export type CommandName = (typeof COMMANDS)[number]['name'];

export type ParsedLine =
  | { type: 'empty' }
  | { type: 'message'; text: string }
  | { type: 'command'; name: CommandName; arg: string }
  | { type: 'unknown'; name: string };

const ALIASES: Record<string, CommandName> = { exit: 'quit', q: 'quit', '?': 'help' };

export function parseLine(line: string): ParsedLine {
  const text = line.trim();
  if (text.length === 0) return { type: 'empty' };
  // `//text` sends a message that starts with a slash.
  if (text.startsWith('//')) return { type: 'message', text: text.slice(1) };
  if (!text.startsWith('/')) return { type: 'message', text };
  const match = /^\/(\S+)\s*(.*)$/s.exec(text);
  const word = (match?.[1] ?? '').toLowerCase();
  const arg = (match?.[2] ?? '').trim();
  const name = ALIASES[word] ?? COMMANDS.find((c) => c.name === word)?.name;
  return name === undefined ? { type: 'unknown', name: word } : { type: 'command', name, arg };
}

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`);
  return ['Commands:', ...lines, '  (start a message with // to send text beginning with /)'].join('\n');
}
