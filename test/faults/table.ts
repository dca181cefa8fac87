// The fault suite's table: one row of figures per case, then each failed criterion with its numbers.
import type { Figures } from './measure.ts';
import type { Verdict } from './checks.ts';

interface Column {
  head: string;
  cell(f: Figures): string;
}

const signed = (v: number, digits: number): string => (v > 0 ? '+' : '') + v.toFixed(digits);
const orDash = <T>(v: T | undefined, show: (v: T) => string): string => (v === undefined ? '-' : show(v));

/** Whether the case holds its spend to the caps (elsewhere the caps are out of reach, and their distance means nothing). */
const capped = (f: Figures): boolean =>
  f.spec.checks.some(
    (c) => c === 'within-caps' || c === 'within-caps-and-cut-share' || c === 'within-caps-and-unsettled',
  );

const COLUMNS: Column[] = [
  { head: 'case', cell: (f) => f.name },
  { head: 'sent', cell: (f) => String(f.sent) },
  { head: 'served', cell: (f) => String(f.served) },
  { head: 'refused', cell: (f) => String(f.refused) },
  { head: 'failed', cell: (f) => String(f.failed) },
  { head: 'procs lost', cell: (f) => String(f.lost) },
  { head: '$ vs cap', cell: (f) => (capped(f) ? signed(f.received.usd - f.caps.usd, 2) : '-') },
  { head: 'tok vs cap', cell: (f) => (capped(f) ? signed(f.received.tokens - f.caps.tokens, 0) : '-') },
  {
    head: 'counter−recv $/tok',
    cell: (f) =>
      orDash(f.counter, (c) => `${signed(c.usd - f.received.usd, 2)}/${signed(c.tokens - f.received.tokens, 0)}`),
  },
  { head: 'held left $/tok', cell: (f) => orDash(f.heldLeft, (h) => `${h.usd.toFixed(2)}/${h.tokens}`) },
  { head: 'rows/answers', cell: (f) => `${f.rows ?? '-'}/${f.answers}` },
  { head: 'ledger/billed tok', cell: (f) => `${f.ledgerTokens ?? '-'}/${f.billedTokens}` },
  {
    head: 'max ms (p99 before)',
    cell: (f) => (f.spec.faultMs === 0 ? '-' : `${f.faultMaxMs} (${f.baselineP99Ms})`),
  },
  {
    head: 'recover s',
    cell: (f) => {
      if (f.recoverMs === undefined) return '-';
      if (f.recoverMs === null) return f.lost > 0 ? 'never' : '>30';
      return (f.recoverMs / 1000).toFixed(1);
    },
  },
  { head: 'peak RSS MiB', cell: (f) => String(f.peakRssMiB) },
];

export function renderTable(rows: { figures: Figures; verdicts: Verdict[] }[]): string {
  const cells = rows.map(({ figures, verdicts }) => [
    ...COLUMNS.map((c) => c.cell(figures)),
    verdicts.every((v) => v.ok) ? 'PASS' : 'FAIL',
  ]);
  const heads = [...COLUMNS.map((c) => c.head), 'result'];
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(heads), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
  for (const { figures, verdicts } of rows)
    for (const v of verdicts) if (!v.ok) out.push(`FAIL ${figures.name}: ${v.check}: ${v.detail}`);
  return `${out.join('\n')}\n`;
}
