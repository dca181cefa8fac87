// The two tables the demo shows: an attempt trail (docs/routing.md) and `auth explain` (docs/credentials.md), keys masked.
import type { SourceKind } from '../../credentials/types.ts';
import type { ProviderExplanation } from '../../credentials/pool.ts';
import { CANDIDATE_HEADER, candidateRows } from '../../credentials/table.ts';
import type { Attempt } from '../../calls/types.ts';
import { renderTable } from '../../sessions/text-table.ts';
import { tableText } from '../run.ts';

const SOURCE_TEXT: Record<SourceKind, string> = {
  config: 'config',
  env: 'env',
  dotenv: '.env',
  stored: 'stored',
  file: 'file',
  command: 'command',
  oauth2: 'oauth2',
  aws: 'aws',
  login: 'login',
};

export function trailTable(trail: readonly Attempt[]): string {
  if (trail.length === 0) return '(no attempt: nothing was sent)';
  return renderTable(
    trail.map((a, i) => ({ a, n: i + 1 })),
    [
      { header: '#', cell: (r) => String(r.n), right: true },
      { header: 'ROUTE', cell: (r) => r.a.route },
      {
        header: 'KEY (SOURCE)',
        cell: (r) =>
          r.a.credential
            ? `${r.a.credential.masked} (${r.a.credential.sources.map((s) => SOURCE_TEXT[s]).join('+')})`
            : '—',
      },
      { header: 'OUTCOME', cell: (r) => r.a.outcome },
      {
        header: 'STATUS',
        cell: (r) => (r.a.status !== undefined ? String(r.a.status) : r.a.outcome === 'ok' ? '200' : '—'),
        right: true,
      },
      { header: 'WAIT', cell: (r) => ms(r.a.wait_ms), right: true },
      { header: 'LATENCY', cell: (r) => ms(r.a.latency_ms), right: true },
      { header: 'NOTE', cell: (r) => (r.a.outcome === 'ok' ? '' : (r.a.message ?? '')), max: 60 },
    ],
  );
}

/** What `switchyard auth explain PROVIDER` prints, from the same rows and header (src/credentials/table.ts) and laid
 * out the same way (src/cli/auth.ts printExplanation), so the demo's block matches the real command. */
export function explainTable(e: ProviderExplanation, now = Date.now()): string {
  const lines = [`${e.provider} (strategy ${e.strategy})`];
  if (e.candidates.length > 0) lines.push(tableText(candidateRows(e, now), CANDIDATE_HEADER));
  lines.push(`${e.candidates.length > 0 ? '→ ' : ''}${e.summary}`);
  return lines.join('\n');
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}
