// How the demo talks: headings, narrative paragraphs, tables and outcome lines. Colour only on a terminal (and
// never with NO_COLOR); everything passes through the secret scrubber as a last line of defence.
import { scrubSecrets } from '../../log.ts';

const STYLES = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;
type Style = keyof typeof STYLES;

const WIDTH = 100;

export class Printer {
  private readonly out: NodeJS.WritableStream;
  private readonly color: boolean;
  /** Outcomes printed so far: the demo's exit code and final line come from them. */
  readonly results: { section: string; ok: boolean; text: string }[] = [];

  constructor(out: NodeJS.WritableStream, color: boolean) {
    this.out = out;
    this.color = color;
  }

  style(text: string, ...styles: Style[]): string {
    if (!this.color || styles.length === 0) return text;
    return `\x1b[${styles.map((s) => STYLES[s]).join(';')}m${text}\x1b[0m`;
  }

  line(text = ''): void {
    this.out.write(`${scrubSecrets(text)}\n`);
  }

  heading(text: string): void {
    this.line();
    this.line(this.style(`━━ ${text} ${'━'.repeat(Math.max(3, WIDTH - text.length - 4))}`, 'bold', 'cyan'));
  }

  /** A paragraph wrapped to the page width, with a label in front (`Upstream:`, `Config:`). */
  para(label: string, text: string): void {
    const lead = `${label.padEnd(10)}`;
    const lines = wrap(text, WIDTH - lead.length);
    lines.forEach((l, i) => this.line(`${i === 0 ? this.style(lead, 'bold') : ' '.repeat(lead.length)}${l}`));
  }

  /** A pre-rendered block (a table), indented. */
  block(text: string): void {
    for (const l of text.split('\n')) this.line(`  ${l}`);
  }

  step(text: string): void {
    this.line(this.style(`→ ${text}`, 'dim'));
  }

  outcome(section: string, ok: boolean, text: string): void {
    this.results.push({ section, ok, text });
    const mark = ok ? this.style('✓ outcome: ok', 'bold', 'green') : this.style('✗ outcome: UNEXPECTED', 'bold', 'red');
    this.line(`${mark} — ${text}`);
  }
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current.length > 0 && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current.length > 0 ? `${current} ${word}` : word;
    }
  }
  if (current.length > 0) lines.push(current);
  return lines;
}
