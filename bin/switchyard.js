#!/usr/bin/env node
// The `switchyard` command. In a clone (src/ present) it runs the TypeScript sources by Node's type stripping
// (Node >= 22.18), always, even when an `npm run build` left a dist/ behind: a stale build never shadows what you
// are editing. An installed package ships no src/, only the built dist/ (npm pack runs the build first). On an
// older Node, a clone re-runs itself with the Node that ./dev fetched into .tools/node.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { setInterval, clearInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// `switchyard --version` is answered from package.json before anything else is loaded: loading the CLI costs a good
// part of a second of CPU, and a version needs no recent Node either.
const args = process.argv.slice(2);
const versionOnly = args.length === 1 && (args[0] === '--version' || args[0] === '-V');
const [major, minor] = process.versions.node.split('.').map(Number);
const recentEnough = major > 22 || (major === 22 && minor >= 18);

const source = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'dist', 'cli', 'main.js');
const fromSource = existsSync(source);
// How often a re-run command checks that the process standing in for it is still there.
const PARENT_CHECK_MS = 250;
// The options before a subcommand that take a value, so that their value is not read as the subcommand.
const OPTIONS_WITH_VALUE = ['-c', '--config', '-l', '--listen', '--log-format', '--workers', '-s', '--scenario'];
// The command and its subcommand, read once for every question asked of them below.
const named = positionals(args);

if (versionOnly) {
  process.stdout.write(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
} else if (!recentEnough) {
  const local = join(root, '.tools', 'node', 'bin', 'node');
  if (!fromSource || !existsSync(local)) {
    const hint = fromSource ? `; run ./dev once in ${root} to fetch it` : '';
    process.stderr.write(`switchyard needs Node >= 22.18 (this is ${process.version})${hint}\n`);
    process.exit(2);
  }
  rerun(local);
} else {
  await run();
}

/**
 * Runs this command again under `node` and stands in for it: signals sent to this process (`kill PID` from a script,
 * `kill -HUP PID` to reload a gateway, systemd) reach the child, which would otherwise keep running, orphaned, with
 * its port; when the child ends, this process ends the same way. A gateway or simulator reads no terminal, so it runs
 * in a process group of its own: a signal sent to this one's group (Ctrl-C) reaches it once, through this process,
 * however late, where an echo arriving after a direct copy read as a second signal under load. A command that reads
 * the terminal stays in it; src/signal-repeat.ts tells the echo of a group signal from a second one.
 */
function rerun(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: servesForever(named),
    env: { ...process.env, SWITCHYARD_RERUN: String(process.pid) },
  });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const forward = (signal) => child.kill(signal);
  for (const signal of forwarded) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`switchyard: could not run ${node}: ${err.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    for (const s of forwarded) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

/** In the re-run command: when the process standing in for it dies without passing a signal on (kill -9), stop as
 * if told to (SIGTERM: a gateway drains), rather than run on orphaned, holding a port. Its death is seen as this
 * process being handed to another parent: a pid survives withGatewayEnv's exec, where an IPC channel would not. */
function followParent() {
  const parent = Number(process.env.SWITCHYARD_RERUN);
  delete process.env.SWITCHYARD_RERUN;
  // Set by something else than rerun(): no parent to follow.
  if (!Number.isInteger(parent) || parent <= 1) return;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_CHECK_MS);
  watch.unref();
}

/** Keeps Node's compiled code (and, run from a clone, the type-stripped sources) in its compile cache, by default
 * `node-compile-cache/` under the temp directory: this halves the CPU a command spends starting up. A cache that cannot
 * be written is skipped by Node, never an error; NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE moves it.
 * Not for a gateway of the built package: Node holds every module's cache in memory for the life of the process (~5 MiB
 * of a gateway's ~97 at rest), which outweighs the ~0.3 s of CPU it saves once at start. Run from a clone it is kept,
 * since without it Node loads its type stripper, which holds more (docs/gateway.md#memory-what-to-expect). */
function useCompileCache() {
  if (!fromSource && servesGateway(named)) return;
  try {
    nodeModule.enableCompileCache();
  } catch {
    // Starting up slower is no reason to fail.
  }
}

/** The first two words that are not options (nor an option's value). */
function positionals(words) {
  const found = [];
  for (let i = 0; i < words.length && found.length < 2; i++) {
    const w = words[i];
    if (OPTIONS_WITH_VALUE.includes(w)) i++;
    else if (!w.startsWith('-')) found.push(w);
  }
  return found;
}

/** `switchyard gateway` itself (not `gateway keys|service|wait`), from the command's positionals. */
function servesGateway([command, sub]) {
  return command === 'gateway' && !['keys', 'service', 'wait', 'help'].includes(sub);
}

/** A command that serves until stopped and never reads the terminal: the gateway, and the simulator but for its MCP
 * server, which may speak on stdin. */
function servesForever([command, sub]) {
  return servesGateway([command, sub]) || (command === 'sim' && sub !== 'mcp');
}

/** A gateway runs with the allocator settings and V8 flags (the lean heap's too, with SWITCHYARD_GATEWAY_HEAP=lean) of
 * src/gateway/server/process-memory.ts, which glibc and V8 read
 * only when a process starts: this process is replaced (same pid, so systemd and signals are unaffected) by one
 * started with them. A variable the user set, or a flag node was given (on its command line or in NODE_OPTIONS), is
 * kept as it is. */
async function withGatewayEnv() {
  if (typeof process.execve !== 'function' || process.platform !== 'linux' || !servesGateway(named)) return;
  const memory = join(
    root,
    fromSource ? 'src/gateway/server/process-memory.ts' : 'dist/gateway/server/process-memory.js',
  );
  const { GATEWAY_ENV, HEAP_VARIABLE, heapFlags, flagName } = await import(memory);
  const wanted = heapFlags(process.env[HEAP_VARIABLE]);
  if (typeof wanted === 'string') {
    process.stderr.write(`switchyard: ${wanted}\n`);
    process.exit(2);
  }
  const missing = Object.entries(GATEWAY_ENV).filter(([name]) => process.env[name] === undefined);
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(flagName);
  const flags = wanted.filter((flag) => !given.includes(flagName(flag)));
  if (missing.length === 0 && flags.length === 0) return;
  const argv = [process.execPath, ...flags, ...process.execArgv, fileURLToPath(import.meta.url), ...args];
  process.execve(process.execPath, argv, { ...process.env, ...Object.fromEntries(missing) });
}

/** A process that serves holds a nextTick entry before it loads anything else, so that nextTick keeps its fast path
 * (src/gateway/server/tick-shape.ts). */
async function holdTickShape() {
  if (!servesForever(named)) return;
  const shape = join(root, fromSource ? 'src/gateway/server/tick-shape.ts' : 'dist/gateway/server/tick-shape.js');
  (await import(shape)).holdTickShape();
}

async function run() {
  if (!fromSource && !existsSync(built)) {
    process.stderr.write(
      `switchyard: neither ${source} nor ${built} exists; reinstall the package (or run npm run build)\n`,
    );
    process.exit(2);
  }
  useCompileCache();
  await withGatewayEnv();
  await holdTickShape();
  if (process.env.SWITCHYARD_RERUN) followParent();
  const { main } = await import(fromSource ? source : built);
  await main(process.argv);
}
