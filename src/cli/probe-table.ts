// The live-probe table of `auth test` and `doctor`: one row per key, written as its probe completes (a slow provider
// must not hide the others' answers), and on a terminal a spinner line below the rows naming what is still awaited.
// Columns are laid out from the plan, before anything is sent; RESULT is last, so it needs no padding.
import { clearLine, cursorTo } from 'node:readline';
import { sourcesText } from '../credentials/describe.ts';
import { scrubSecrets } from '../log.ts';
import type { ProbeProgress, ProviderPlan } from '../inspect/probe-all.ts';
import { probeText, type ProbeResult } from '../inspect/probe.ts';
import type { CliIo, CliOutput } from './io.ts';

const HEADER = ['PROVIDER', 'ID', 'KEY', 'SOURCES', 'LATENCY', 'RESULT'];
/** `15000ms`: the probe's timeout is 15 s. */
const LATENCY_WIDTH = 7;

export interface ProbeTable extends ProbeProgress {
  /** Stops the spinner; every row has been written. */
  finish(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-line spinner under the rows, through node's readline (spinner libraries miscount lines on a terminal that
 * reports no width, and redraw over rows). Kept shorter than the terminal is wide, so it never wraps. */
class Spinner {
  #frame = 0;
  #text = '';
  readonly #timer: NodeJS.Timeout;
  readonly #out: CliOutput;
  constructor(out: CliOutput, text: string) {
    this.#out = out;
    this.#text = text;
    this.#timer = setInterval(() => {
      this.#frame = (this.#frame + 1) % FRAMES.length;
      this.draw();
    }, 100);
    this.#timer.unref();
    this.draw();
  }
  update(text: string): void {
    this.#text = text;
    this.draw();
  }
  draw(): void {
    this.clear();
    const width = (this.#out.columns || 80) - 1;
    this.#out.write(`${FRAMES[this.#frame]} ${this.#text}`.slice(0, width));
  }
  clear(): void {
    clearLine(this.#out, 0);
    cursorTo(this.#out, 0);
  }
  stop(): void {
    clearInterval(this.#timer);
    this.clear();
  }
}

/** A terminal a spinner may draw on (not a pipe, a log, a dumb terminal or CI). */
function spinnerTerminal(cli: CliIo): boolean {
  return cli.stdout.isTTY === true && cli.env['TERM'] !== 'dumb' && !('CI' in cli.env);
}

interface Pending {
  provider: string;
  masked: string;
}

export function probeTable(cli: CliIo): ProbeTable {
  let widths: number[] = [];
  const pending = new Map<string, Pending>();
  let total = 0;
  let started = 0;
  let spinner: Spinner | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const write = (line: string): void => {
    spinner?.clear();
    cli.stdout.write(`${scrubSecrets(line)}\n`);
    spinner?.draw();
  };
  const row = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const status = (): string => {
    const waiting = [...pending.values()];
    const names =
      waiting
        .slice(0, 2)
        .map((p) => `${p.provider} ${p.masked}`)
        .join(', ') + (waiting.length > 2 ? `, +${waiting.length - 2} more` : '');
    return `probing: ${total - waiting.length} of ${total} answered; waiting on ${names} (${Math.floor((Date.now() - started) / 1000)}s)`;
  };

  return {
    planned(plan: readonly ProviderPlan[]): void {
      const cells = plan.flatMap((p) =>
        p.probes.map((x) => [
          p.provider,
          x.credential.fingerprint,
          x.credential.masked,
          x.target.origin ?? sourcesText(x.credential.sources),
        ]),
      );
      widths = HEADER.map((h, i) =>
        Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length), i === 4 ? LATENCY_WIDTH : 0),
      );
      if (plan.length === 0) {
        write('no providers configured; add one under `providers:` in the config (see docs/config.md)');
        return;
      }
      write(row(HEADER));
      for (const p of plan) {
        if (p.proxy !== undefined) write(`  ${p.provider}: through the proxy ${p.proxy}`);
        if (p.missing) {
          write(row([p.provider, '-', '-', '-', '-'.padStart(LATENCY_WIDTH), 'missing']));
          write(`  ${p.missing}`);
        }
        for (const x of p.probes)
          pending.set(key(p.provider, x.credential.fingerprint, x.target.task), {
            provider: p.provider,
            masked: x.credential.masked,
          });
      }
      total = pending.size;
      started = Date.now();
      if (total > 0 && spinnerTerminal(cli)) {
        spinner = new Spinner(cli.stdout, status());
        // The seconds go on counting while a slow provider keeps everyone waiting.
        ticker = setInterval(() => spinner?.update(status()), 1000);
        ticker.unref();
      }
    },
    result(r: ProbeResult): void {
      pending.delete(key(r.provider, r.credential.fingerprint, r.task));
      // A task's own key says which task and where its value comes from; "config key" would send the user to the
      // provider's entry.
      write(
        row([
          r.provider,
          r.credential.fingerprint,
          r.credential.masked,
          r.origin ?? sourcesText(r.credential.sources),
          `${r.latency_ms}ms`.padStart(LATENCY_WIDTH),
          probeText(r),
        ]),
      );
      const whose = r.task !== undefined ? ` (${r.task}'s own key)` : '';
      if (r.status !== 'valid' || r.message !== 'accepted')
        write(`  ${r.provider} ${r.credential.masked}${whose}: ${r.message}`);
      if (pending.size === 0) this.finish();
      else spinner?.update(status());
    },
    finish(): void {
      if (ticker) clearInterval(ticker);
      spinner?.stop();
      spinner = undefined;
    },
  };
}

function key(provider: string, fingerprint: string, task: string | undefined): string {
  return `${provider}\u0000${fingerprint}\u0000${task ?? ''}`;
}

/** Said under the table when the probes changed no key's state: a read-only probe (which only notes a key that
 * answered as known-good), and how to record one. */
export function readOnlyLine(storeName: string): string {
  return `no key's state was changed (a key that answered is only noted as known-good): a probe is read-only unless run with --record, which saves each outcome in ${storeName} as a request's would`;
}
