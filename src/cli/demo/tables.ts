// The two tables the demo shows: an attempt trail (SPEC §4) and `auth explain` (SPEC §2), keys masked.
import type { SourceKind } from '../../credentials/types.ts';
import type { ProviderExplanation } from '../../credentials/pool.ts';
import { formatClock } from '../../credentials/clock.ts';
import { sourcesText } from '../../credentials/describe.ts';
import type { Attempt } from '../../routing/types.ts';
import { renderTable } from '../../sessions/text-table.ts';

const SOURCE_TEXT: Record<SourceKind, string> = { config: 'config', env: 'env', dotenv: '.env', stored: 'stored' };

export function trailTable(trail: readonly Attempt[]): string {
  if (trail.length === 0) return '(no attempt: nothing was sent)';
  return renderTable(
    trail.map((a, i) => ({ a, n: i + 1 })),
    [
      { header: '#', cell: (r) => String(r.n), right: true },
      { header: 'ROUTE', cell: (r) => r.a.route },
      { header: 'KEY (SOURCE)', cell: (r) => (r.a.credential ? `${r.a.credential.masked} (${r.a.credential.sources.map((s) => SOURCE_TEXT[s]).join('+')})` : '—') },
      { header: 'OUTCOME', cell: (r) => r.a.outcome },
      { header: 'STATUS', cell: (r) => (r.a.status !== undefined ? String(r.a.status) : r.a.outcome === 'ok' ? '200' : '—'), right: true },
      { header: 'WAIT', cell: (r) => ms(r.a.wait_ms), right: true },
      { header: 'LATENCY', cell: (r) => ms(r.a.latency_ms), right: true },
      { header: 'NOTE', cell: (r) => (r.a.outcome === 'ok' ? '' : (r.a.message ?? '')), max: 60 },
    ],
  );
}

export function explainTable(e: ProviderExplanation): string {
  if (e.candidates.length === 0) return `(no key for ${e.provider})\n${e.summary}`;
  const table = renderTable(e.candidates, [
    { header: '#', cell: (c) => String(c.position), right: true },
    { header: 'SOURCE', cell: (c) => sourcesText(c.credential.sources) },
    { header: 'KEY', cell: (c) => c.credential.masked },
    { header: 'STATE', cell: (c) => stateText(c.health.state, c.health.reason, c.health.until) },
    { header: 'LAST SUCCESS', cell: (c) => (c.health.last_success_at ? formatClock(c.health.last_success_at) : 'never') },
    { header: 'NEXT', cell: (c) => (c.next ? '← next' : c.usable ? '' : (c.why ?? 'unusable')), max: 50 },
  ]);
  return `${table}\n${e.summary}`;
}

function stateText(state: string, reason: string | undefined, until: number | undefined): string {
  if (state === 'cooling') return `cooling: ${reason ?? '?'}${until ? ` until ${formatClock(until)}` : ''}`;
  return state;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}
