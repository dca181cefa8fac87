// `switchyard chat` — the interactive chat (docs/chat.md), and `chat -m "…"` for one answer. See docs/chat.md.
import { stateHome } from '../config/home.ts';
import type { Command } from 'commander';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { openCliStore } from './open-state.ts';
import { openStore, statePath } from '../state/open.ts';
import type { LoadedConfig } from '../config/types.ts';
import { NO_MAIN, NO_PROVIDERS } from '../config/cross-check.ts';
import { watchConfig } from '../config/watch.ts';
import { formatDuration } from '../errors/explain-format.ts';
import { UserError } from '../user-error.ts';
import { scrubSecrets } from '../log.ts';
import { Conversation } from '../sessions/conversation.ts';
import { explainError, explainErrorLines } from '../sessions/error-text.ts';
import { Repl } from '../sessions/repl.ts';
import { parseRouteFor } from '../sessions/route-text.ts';
import { openChatRuntime, type ChatRuntime } from '../sessions/runtime.ts';
import { ChatSession } from '../sessions/session.ts';
import { SwitchyardError, type RouteFailure } from '../routing/errors.ts';
import { sentAttempts } from '../calls/trail.ts';

interface ChatOpts {
  message?: string;
  /** An id or prefix; false with --no-session. */
  session?: string | false;
  model?: string;
  json?: boolean;
  color?: boolean;
}

export function register(program: Command, { cli }: { cli: CliRun }): void {
  program
    .command('chat')
    .description('chat with the main route: interactive, or one answer with -m (see docs/chat.md)')
    .option(
      '-m, --message <text>',
      'send one message, print the answer and exit (0 answered, 1 not answered, 2 a usage or config error)',
    )
    .option('-s, --session <id>', 'continue a session (id or unique prefix, from `switchyard sessions list`)')
    .option('--no-session', 'with -m: store no session and make no title call (for scripts)')
    .option('--model <provider/model>', 'use this route for the session (like /model)')
    .option('--json', 'with -m: print {session, answer, route, attempts, title} as JSON')
    .option('--no-color', 'no ANSI colours')
    .action((opts: ChatOpts, cmd: Command) => runChat(cli, opts, cmd));
}

async function runChat(cli: CliRun, opts: ChatOpts, cmd: Command): Promise<void> {
  try {
    await chat(cli, opts, cmd);
  } catch (err) {
    // Scripts read --json's stdout: a usage or configuration mistake gets the documented failure object there too
    // (no session was stored); the error itself is reported on stderr as always, with its exit code.
    if (opts.json) cli.json(failureJson(undefined, err));
    throw err;
  }
}

async function chat(cli: CliRun, opts: ChatOpts, cmd: Command): Promise<void> {
  if (opts.json && opts.message === undefined)
    throw new UserError('--json needs -m "message" (the interactive chat has no JSON mode)');
  if (opts.message !== undefined && opts.message.trim() === '') throw new UserError('-m needs a non-empty message');
  if (typeof opts.session === 'string' && opts.session.trim() === '')
    throw new UserError('--session needs a session id or prefix (see `switchyard sessions list`)');
  const keep = opts.session !== false;
  if (!keep && opts.message === undefined)
    throw new UserError('--no-session needs -m "message" (an interactive chat is a session)');
  const loaded = cliConfig(cli, cmd, { require: true });
  const warned = new Set<string>();
  sayConfigWarnings(loaded, warned, (line) => cli.stderr.write(`${line}\n`));
  // Through openCliStore like `auth`: an unwritable or broken state store is named, not an "internal error".
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: { ...loaded.env },
  });
  const runtime = await openChatRuntime(
    loaded,
    store,
    (message) => cli.stderr.write(`warning: ${scrubSecrets(message)}\n`),
    stateHome({ ...loaded.env }),
  );
  // --no-session: the conversation lives in a store private to this process, written nowhere (the credentials'
  // health still goes to the real one: a key that failed here is one the gateway should know about).
  const scratch = keep ? undefined : openStore({ kind: 'memory' });
  try {
    const sessions = scratch ?? runtime.store;
    const session =
      typeof opts.session === 'string' ? ChatSession.resume(sessions, opts.session) : ChatSession.fresh(sessions);
    if (opts.model) session.setRoute(parseRouteFor(loaded.config, opts.model));
    if (opts.message !== undefined)
      await answerOnce(cli, runtime, session, opts.message, { json: opts.json === true, stored: keep });
    else await interactive(cli, runtime, session, opts.color !== false, warned);
  } finally {
    await runtime.close();
    await scratch?.close();
    await store.close();
  }
}

/** The config's warnings, each once per chat: the router's logger is silent, so otherwise a chat would say "no API key"
 * and never why the key in .env was not read. */
function sayConfigWarnings(loaded: LoadedConfig, said: Set<string>, say: (line: string) => void): void {
  for (const w of loaded.warnings) {
    // A chat with no main route (or no providers) fails saying so, or runs on --model: the warning adds nothing.
    // (Those about the gateway's admin key are not among them: loaded.gatewayWarnings.)
    if (said.has(w) || w === NO_MAIN || w === NO_PROVIDERS) continue;
    said.add(w);
    say(`warning: ${scrubSecrets(w)}`);
  }
}

/** Leaving while the title call still runs: it gets up to its timeout, and a user at a terminal is told why, rather
 * than facing a silent pause. */
async function waitForTitle(cli: CliRun, settled: Promise<unknown>, tty: boolean, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 300)));
  const first = await Promise.race([settled.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (first === 'done') return;
  if (tty)
    cli.stderr.write(
      `finishing the chat title before exiting (it is given at most ${formatDuration(timeoutMs)} in all: auxiliary.title_generation.timeout)…\n`,
    );
  await settled;
}

/** A message with no route is a config mistake, said before it is stored so a one-shot leaves no session behind. */
function routeProblem(runtime: ChatRuntime, session: ChatSession): UserError | undefined {
  if (session.route || runtime.loaded.config.main) return undefined;
  const where = runtime.loaded.path ? `in ${runtime.loaded.path}` : 'and no config file was found (see docs/config.md)';
  return new UserError(
    `no main route is configured ${where}; add \`main: { provider: …, model: … }\` to the config, or pass --model PROVIDER/MODEL`,
  );
}

async function answerOnce(
  cli: CliRun,
  runtime: ChatRuntime,
  session: ChatSession,
  message: string,
  how: { json: boolean; stored: boolean },
): Promise<void> {
  const { json } = how;
  const shown = how.stored ? session : undefined;
  const problem = routeProblem(runtime, session);
  if (problem) {
    if (!json) throw problem;
    return failed(cli, shown, problem, json);
  }
  const conv = new Conversation({
    session,
    backend: runtime.backend,
    config: runtime.loaded.config,
    notify: (line) => cli.stderr.write(`${line}\n`),
    titles: how.stored,
  });
  try {
    const result = await conv.send(message, json ? {} : { onText: (t) => cli.stdout.write(t) });
    if (!json) cli.stdout.write('\n');
    if (result.note !== undefined) cli.stderr.write(`${result.note}\n`);
    // The title upgrade runs in the background; wait for it (bounded by its task timeout) so it lands in the store.
    await conv.titleSettled();
    if (json)
      cli.json({
        session: shown?.id ?? null,
        answer: result.answer,
        route: result.route,
        attempts: result.attempts,
        title: shown?.title ?? null,
      });
  } catch (err) {
    failed(cli, shown, err, json);
  }
}

/** A failed `-m`: every route's reason on stderr; with --json also the shape scripts read. A UserError exits with
 * its own code (2 for a configuration mistake, 1 for a state store that cannot be written), a failed call 1. */
function failed(cli: CliRun, session: ChatSession | undefined, err: unknown, json: boolean): void {
  const [lead = '', ...routes] = explainErrorLines(err);
  cli.stderr.write(`switchyard: ${lead}\n`);
  for (const line of routes) cli.stderr.write(`${line}\n`);
  if (json) cli.json(failureJson(session, err));
  cli.exitCode = UserError.isInstance(err) ? err.exitCode : 1;
}

/** The --json failure object (docs/chat.md). `session` and `title` are null when no session was stored. `attempts`
 * counts requests sent, as the gateway's x-switchyard-attempts does. */
function failureJson(session: ChatSession | undefined, err: unknown): Record<string, unknown> {
  const routing = SwitchyardError.isInstance(err) ? err : undefined;
  const stored = session?.exists === true;
  return {
    session: stored ? session.id : null,
    error: explainError(err),
    // A usage or configuration mistake is `config` (exit 2); a state store that cannot be opened or written is
    // `state` (exit 1, as for `auth` and `sessions`): the kind and the exit code tell a script the same thing.
    kind: routing ? routing.kind : UserError.isInstance(err) ? err.kind : 'internal',
    // A `not_found` that is the provider refusing the region (or a firewall page) says so: scripts must not read it
    // as "no such model".
    ...(routing?.blocked !== undefined ? { blocked: routing.blocked } : {}),
    attempts: routing ? sentAttempts(routing.trail) : 0,
    failures: routing ? routing.failures.map(failureJsonRow) : [],
    title: stored ? session.title : null,
  };
}

function failureJsonRow(f: RouteFailure): Record<string, unknown> {
  const blocked = f.cause?.blocked;
  return { route: f.route, kind: f.kind, ...(blocked !== undefined ? { blocked } : {}), explanation: f.explanation };
}

async function interactive(
  cli: CliRun,
  runtime: ChatRuntime,
  session: ChatSession,
  color: boolean,
  warned: Set<string>,
): Promise<void> {
  const tty = cli.stdin.isTTY === true && cli.stdout.isTTY === true;
  // Notices arrive from the conversation while the REPL owns the terminal: route them through it.
  const notices: { repl?: Repl } = {};
  const notify = (line: string): void =>
    void (notices.repl ? notices.repl.notice(line) : cli.stderr.write(`${line}\n`));
  const conv = new Conversation({ session, backend: runtime.backend, config: runtime.loaded.config, notify });
  const repl = new Repl(conv, runtime.loaded.config, {
    input: cli.stdin,
    output: cli.stdout,
    errors: cli.stderr,
    interactive: tty,
    color: tty && color && !cli.env['NO_COLOR'],
    ...sessionsFileOf(runtime),
  });
  notices.repl = repl;
  const stopWatching = followConfig(runtime, notify, (next) => {
    conv.setConfig(next.config);
    repl.setConfig(next.config);
    // An edit that brings a new warning (a mistyped .env line) says so; the ones already said are not repeated.
    sayConfigWarnings(next, warned, notify);
  });
  try {
    await repl.run();
    await waitForTitle(cli, conv.titleSettled(), tty, runtime.loaded.config.auxiliary.title_generation.timeout);
  } finally {
    stopWatching();
  }
  // Piped, a script reads the exit code: a message that got no answer is a failure even if later ones worked.
  if (!tty && repl.failedMessages > 0) cli.exitCode = 1;
}

/** Where sessions are saved: the state store's file (with `gateway.state: redis://…` too — sessions stay in the
 * embedded file, src/state/open.ts). A store in memory has none. */
function sessionsFileOf(runtime: ChatRuntime): { sessionsFile?: string } {
  return runtime.store.kind === 'memory' ? {} : { sessionsFile: statePath({ env: { ...runtime.loaded.env } }) };
}

/** A chat follows its config and .env as the gateway does; an invalid change keeps the previous config and says why
 * once (docs/gateway.md#hot-reload-and-shutdown). */
function followConfig(
  runtime: ChatRuntime,
  notify: (line: string) => void,
  apply: (next: LoadedConfig) => void,
): () => void {
  try {
    return watchConfig(runtime.loaded, (next) => {
      if (UserError.isInstance(next)) {
        notify(`config: ${scrubSecrets(next.message)} — the chat goes on with the previous config`);
        return;
      }
      runtime.reload(next);
      apply(next);
      notify(`config: reloaded ${next.path ?? ''}`.trimEnd());
    });
  } catch (err) {
    // Not being able to watch is no reason to refuse the chat: it just keeps the config it started with.
    notify(`config: changes will not be picked up until restart (${explainError(err)})`);
    return () => {};
  }
}
