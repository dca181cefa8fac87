// `switchyard demo`: the seed reports and a chat session against the simulator, then a gateway left running to try
// (docs/chat.md#the-demo).
import type { Command } from 'commander';
import { chatSection } from './demo/chat-section.ts';
import { printFinale } from './demo/finale.ts';
import { Printer } from './demo/printer.ts';
import type { Section } from './demo/section.ts';
import { seed000, seed001 } from './demo/seeds-000-001.ts';
import { seed002, seed003 } from './demo/seeds-002-003.ts';
import { startWorld, type DemoWorld } from './demo/world.ts';
import { isRepeat } from '../signal-repeat.ts';
import type { CliRun } from './run.ts';

const SECTIONS: readonly Section[] = [seed000, seed001, seed002, seed003, chatSection];

interface DemoOpts {
  ci?: boolean;
  color?: boolean;
  listen?: string;
}

export function register(program: Command, { cli }: { cli: CliRun }): void {
  program
    .command('demo')
    .description('walk through the seed scenarios against a simulator, then leave a gateway running to try')
    .option('--ci', 'run the scripted part and exit (also when stdin is not a terminal or CI=true)')
    .option('--no-color', 'no ANSI colours')
    .option(
      '--listen <host:port>',
      "the gateway's address, to point a client at a known port (default: a free loopback port)",
    )
    .action((opts: DemoOpts) => runDemo(cli, opts));
}

async function runDemo(cli: CliRun, opts: DemoOpts): Promise<void> {
  const ci = opts.ci === true || !cli.stdin.isTTY || cli.env['CI'] === 'true';
  const color = opts.color !== false && cli.stdout.isTTY === true && !cli.env['NO_COLOR'];
  const p = new Printer(cli.stdout, color);
  const started = Date.now();
  const world = await startWorld(cli, opts.listen);
  try {
    intro(world, p);
    for (const section of SECTIONS) await runSection(section, world, p);
    summary(p, Date.now() - started);
    if (!ci) {
      printFinale(world, p);
      world.logger.level = 'info';
      await untilStopped();
    }
  } finally {
    await world.close();
  }
  if (p.results.some((r) => !r.ok)) cli.exitCode = 1;
}

function intro(world: DemoWorld, p: Printer): void {
  p.heading('Switchyard demo');
  p.line(
    'The four user reports behind Switchyard, replayed against a simulated provider. Every key below is fake and shown masked.',
  );
  p.para('Simulator', `${world.sim.url} — scenario examples/demo/scenario.yaml`);
  p.para('Gateway', world.gateway.url);
  p.para('Config', `${world.configPath} (a copy of examples/demo/switchyard.yaml, with .env beside it)`);
  p.para('State', `${world.home} (SWITCHYARD_HOME)`);
}

async function runSection(section: Section, world: DemoWorld, p: Printer): Promise<void> {
  p.heading(section.id === 'chat' ? `Chat · ${section.title}` : `Seed ${section.id} · ${section.title}`);
  p.para('Upstream', section.upstream);
  p.para('Config', section.config);
  try {
    await section.run(world, p);
  } catch (err) {
    p.outcome(section.id, false, `the section failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function summary(p: Printer, elapsedMs: number): void {
  const ok = p.results.filter((r) => r.ok).length;
  p.heading('Summary');
  for (const r of p.results)
    p.line(`  ${r.ok ? p.style('✓', 'green') : p.style('✗', 'red')} ${r.section.padEnd(5)} ${r.text}`);
  p.line(`${ok}/${p.results.length} outcomes as expected, in ${(elapsedMs / 1000).toFixed(1)}s.`);
}

/** Resolves at the first Ctrl-C or SIGTERM; a second one while shutting down leaves at once. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (isRepeat(signal)) return;
      if (stopping) process.exit(130);
      stopping = true;
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
