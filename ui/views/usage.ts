// Usage: tokens (or cost) per day by client key, end user, task and route, from the ledger (one end user's alone when
// the filter names one); and per route,
// the success, rotation and fallback rates of the last hour, minute by minute, as small charts (uPlot).
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { get } from '../api.ts';

interface Daily {
  by: string;
  days: string[];
  series: { name: string; tokens: number[]; cost: number[] }[];
}

interface Rates {
  route: string;
  minutes: number[];
  success: (number | null)[];
  rotation: (number | null)[];
  fallback: (number | null)[];
  attempts: number[];
  left: number[];
}

const COLORS = ['#2f5bd3', '#1a7f37', '#b35900', '#8e24aa', '#00838f', '#c62828', '#667085'];
const TITLES: Record<string, string> = { client_key: 'client key', user: 'end user', task: 'task', route: 'route' };

/** A uPlot chart as wide as its container, resized with it: a fixed width would push a phone's page sideways. */
function Chart({ opts, data }: { opts: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = ref.current!;
    const width = (): number => Math.max(120, Math.floor(box.clientWidth));
    const plot = new uPlot({ ...opts, width: width() }, data, box);
    const resized = new ResizeObserver(() => {
      if (plot.width !== width()) plot.setSize({ width: width(), height: opts.height });
    });
    resized.observe(box);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [opts, data]);
  return html`<div class="chart" ref=${ref}></div>`;
}

function DailyChart({ d, metric }: { d: Daily; metric: 'tokens' | 'cost' }) {
  const xs = d.days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1000);
  const bars = uPlot.paths.bars!({ size: [0.8, 40] });
  const opts: Omit<uPlot.Options, 'width'> = {
    height: 240,
    title: `${metric === 'tokens' ? 'Tokens' : 'Cost (USD)'} per day by ${TITLES[d.by] ?? d.by}`,
    scales: { x: { time: true } },
    series: [
      {},
      ...d.series.map((s, i) => ({
        label: s.name,
        stroke: COLORS[i % COLORS.length],
        fill: `${COLORS[i % COLORS.length]}55`,
        paths: d.series.length === 1 ? bars : undefined,
        points: { show: true },
      })),
    ],
    axes: [{}, { size: 70 }],
  };
  const data = [xs, ...d.series.map((s) => (metric === 'tokens' ? s.tokens : s.cost))] as uPlot.AlignedData;
  return html`<div class="card" data-chart=${d.by}><${Chart} opts=${opts} data=${data} /></div>`;
}

function RateChart({ r }: { r: Rates }) {
  const pct = (v: (number | null)[]) => v.map((x) => (x === null ? null : x * 100));
  const opts: Omit<uPlot.Options, 'width'> = {
    height: 150,
    title: r.route,
    scales: { x: { time: true }, y: { range: [0, 100] } },
    series: [
      {},
      { label: 'success % of attempts', stroke: '#1a7f37', points: { show: true, size: 6 } },
      { label: 'rotation % of attempts', stroke: '#b35900', points: { show: true, size: 6 } },
      { label: 'fallback % of requests', stroke: '#c62828', points: { show: true, size: 6 } },
    ],
    axes: [{}, { size: 40 }],
  };
  const data = [r.minutes, pct(r.success), pct(r.rotation), pct(r.fallback)] as uPlot.AlignedData;
  return html`<div class="card" data-rates=${r.route}><${Chart} opts=${opts} data=${data} /></div>`;
}

export function UsageView() {
  // The charts with the end user they were asked for: the label says whose they are only once they are that user's.
  const [usage, setUsage] = useState<{ daily: Daily[]; rates: Rates[]; user: string } | undefined>();
  const [metric, setMetric] = useState<'tokens' | 'cost'>('tokens');
  const [error, setError] = useState('');
  const [user, setUser] = useState('');
  useEffect(() => {
    const whose = user === '' ? '' : `&user=${encodeURIComponent(user)}`;
    get<{ daily: Daily[]; rates: Rates[] }>(`/ui/api/usage?days=14${whose}`).then(
      (u) => setUsage({ ...u, user }),
      (err: unknown) => setError(String(err)),
    );
  }, [user]);
  const onFilter = (e: Event): void => {
    e.preventDefault();
    setUser(String(new FormData(e.target as HTMLFormElement).get('user') ?? '').trim());
  };
  if (error) return html`<p class="warn">${error}</p>`;
  if (!usage) return html`<p>Loading…</p>`;
  return html`<div>
    <p class="actions">
      <button class=${metric === 'tokens' ? '' : 'quiet'} onClick=${() => setMetric('tokens')}>Tokens</button>
      <button class=${metric === 'cost' ? '' : 'quiet'} onClick=${() => setMetric('cost')} data-action="cost">
        Cost
      </button>
      <span class="quiet"
        >last 14 days, from the usage ledger${usage.user ? html`, end user <code>${usage.user}</code>` : ''}</span
      >
    </p>
    <form class="filters" data-role="user-filter" onSubmit=${onFilter}>
      <label>End user<input name="user" value=${user} /></label>
      <label>${'\u00a0'}<button type="submit">Filter</button></label>
    </form>
    <div class="charts">${usage.daily.map((d) => html`<${DailyChart} d=${d} metric=${metric} />`)}</div>
    <h2>Last hour, per route</h2>
    ${usage.rates.length === 0 ? html`<p class="quiet">No attempts in the last hour.</p>` : ''}
    <div class="charts">${usage.rates.map((r) => html`<${RateChart} r=${r} />`)}</div>
  </div>`;
}
