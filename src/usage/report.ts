// Usage totals as people read them: summed, and as a table (`switchyard usage`) or CSV.
import { emptyTotals, type GroupTotals, type Totals } from './row.ts';
import { TOTAL_FIELDS } from './store.ts';
import { hitRatioText, withHitRatio } from './cache-ratio.ts';

export function summed(groups: readonly GroupTotals[]): Totals {
  const t = emptyTotals();
  for (const g of groups) for (const k of TOTAL_FIELDS) t[k] += g[k];
  return t;
}

const COLUMNS = [
  ['requests', 'requests'],
  ['input_tokens', 'input'],
  ['output_tokens', 'output'],
  ['cache_read_tokens', 'cache read'],
  ['cache_write_tokens', 'cache write'],
  ['reasoning_tokens', 'reasoning'],
] as const;

/** USD with up to 6 significant digits; `~` when some attempts had no price (the sum leaves them out). */
export function costText(t: Totals): string {
  const usd = t.cost_usd === 0 ? '0' : Number(t.cost_usd.toPrecision(6)).toString();
  return t.unpriced > 0 ? `$${usd} + ${t.unpriced} unpriced` : `$${usd}`;
}

/** What the ledger's '' means in a grouping: a request no route (or key) answered — refused before routing, or failed
 * on every route — or one without a client key. */
const UNNAMED: Record<string, string> = {
  route: 'no route answered',
  credential: 'no key answered',
  client_key: 'no client key',
  user: 'no end user',
};

/** A group's name as people read it: its value, or what '' stands for in that grouping. */
export function groupName(by: string, group: string): string {
  return group !== '' ? group : (UNNAMED[by] ?? '(none)');
}

export function usageTable(by: string, groups: readonly GroupTotals[]): string[] {
  const head = [by, ...COLUMNS.map(([, h]) => h), 'cache hit', 'cost (est.)', 'estimated'];
  const body = [...groups.map((g) => [groupName(by, g.group), g] as const), ['total', summed(groups)] as const].map(
    ([name, t]) => [name, ...COLUMNS.map(([k]) => String(t[k])), hitRatioText(t), costText(t), String(t.estimated)],
  );
  const rows = [head, ...body];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** A CSV field, quoted when it holds a quote, a comma or a line break. */
export function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A sum of floating-point costs carries binary noise (`0.005331999999999997`): 12 significant digits drop it and
 * keep far more precision than any price has. */
export function usdNumber(usd: number): number {
  return Number(usd.toPrecision(12));
}

export function usageCsv(by: string, groups: readonly GroupTotals[]): string[] {
  return [
    [by, ...TOTAL_FIELDS, 'cache_hit_ratio'].join(','),
    ...groups.map((g) =>
      [
        csvCell(g.group),
        ...TOTAL_FIELDS.map((f) => String(f === 'cost_usd' ? usdNumber(g[f]) : g[f])),
        String(withHitRatio(g).cache_hit_ratio ?? ''),
      ].join(','),
    ),
  ];
}
