// `switchyard sessions list|show ID|rm ID` — chat history in the state store (docs/chat.md). All with --json.
import type { Command } from 'commander';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { formatClock } from '../errors/explain-format.ts';
import { closeCliStore, openCliStore } from './open-state.ts';
import { findSession } from '../sessions/ids.ts';
import { renderTable } from '../sessions/text-table.ts';
import type { MessageRecord, SessionRecord, StateStore } from '../state/types.ts';

interface JsonOpt {
  json?: boolean;
}

export function register(program: Command, { cli }: { cli: CliRun }): void {
  const sessions = program.command('sessions').description('list, show and remove chat sessions (see docs/chat.md)');
  sessions
    .command('list')
    .description('every session, most recent first')
    .option('--json', 'machine-readable output')
    .action((opts: JsonOpt, cmd: Command) => list(cli, opts, cmd));
  sessions
    .command('show')
    .description('a session and its messages')
    .argument('<id>', 'session id or unique prefix')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: JsonOpt, cmd: Command) => show(cli, id, opts, cmd));
  sessions
    .command('rm')
    .description('remove a session and its messages')
    .argument('<id>', 'session id or unique prefix')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: JsonOpt, cmd: Command) => remove(cli, id, opts, cmd));
}

async function withStore(cli: CliRun, cmd: Command, fn: (store: StateStore) => void): Promise<void> {
  const loaded = cliConfig(cli, cmd);
  // Through openCliStore like `auth`: an unwritable or broken state store is named, not an "internal error".
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: { ...loaded.env },
  });
  try {
    fn(store);
  } finally {
    await closeCliStore(cli, store);
  }
}

function list(cli: CliRun, opts: JsonOpt, cmd: Command): Promise<void> {
  return withStore(cli, cmd, (store) => {
    const rows = store.listSessions().map((s) => ({ ...s, messages: store.listMessages(s.id).length }));
    if (opts.json) return cli.json(rows);
    if (rows.length === 0) return void cli.stdout.write('no sessions yet — start one with `switchyard chat`\n');
    const table = renderTable(rows, [
      { header: 'ID', cell: (r) => r.id },
      { header: 'UPDATED', cell: (r) => when(r.updated_at) },
      { header: 'MSGS', cell: (r) => String(r.messages), right: true },
      {
        header: 'TITLE',
        cell: (r) => `${r.title}${r.title_source === 'derived' ? '' : ` (${r.title_source})`}`,
        max: 70,
      },
    ]);
    cli.stdout.write(`${table}\n`);
  });
}

function show(cli: CliRun, id: string, opts: JsonOpt, cmd: Command): Promise<void> {
  return withStore(cli, cmd, (store) => {
    const session = findSession(store, id);
    const messages = store.listMessages(session.id);
    if (opts.json) return cli.json({ ...session, messages });
    cli.stdout.write(`${header(session, messages.length)}\n\n`);
    for (const m of messages) cli.stdout.write(`${renderMessage(m)}\n\n`);
  });
}

function remove(cli: CliRun, id: string, opts: JsonOpt, cmd: Command): Promise<void> {
  return withStore(cli, cmd, (store) => {
    const session = findSession(store, id);
    store.deleteSession(session.id);
    if (opts.json) return cli.json({ removed: session.id, title: session.title });
    cli.stdout.write(`removed session ${session.id} ("${session.title}")\n`);
  });
}

function header(s: SessionRecord, count: number): string {
  return [
    `session ${s.id}: ${s.title} (title ${s.title_source})`,
    `created ${when(s.created_at)}, updated ${when(s.updated_at)}, ${count} message${count === 1 ? '' : 's'}${s.route ? `, route ${s.route}` : ''}`,
  ].join('\n');
}

function renderMessage(m: MessageRecord): string {
  const label = m.kind === 'summary' ? 'summary' : m.kind === 'truncation' ? 'truncated' : m.role;
  return `[${m.seq}] ${label}:\n${m.content}`;
}

/** Local time, as every moment the CLI shows (formatClock): with the date when on another day or over 12 hours ago. */
function when(ms: number): string {
  return formatClock(ms, { seconds: true });
}
