// Request-path metrics without prom-client's per-observation cost (several µs a request): plain arrays keyed by
// label values, turned into prom-client's shape only on scrape.
import type { Metric, Registry } from 'prom-client';

/** What prom-client's registry reads from a metric when it is scraped (its `get()`). */
interface SeriesValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}
interface Exposed {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: SeriesValue[];
  aggregator: 'sum';
}

/** The registry only calls `get()` and reads `name`; its typings list only its own classes, hence the cast. */
export function register(registry: Registry, metric: FastCounter | FastHistogram): void {
  registry.registerMetric(metric as unknown as Metric);
}

interface Series<T> {
  labels: Record<string, string>;
  data: T;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Series remembered by each metric for the next samples. */
const RECENT_SERIES = 4;

class LabelledSeries<T> {
  protected readonly series = new Map<string, Series<T>>();
  protected readonly labelNames: readonly string[];
  private readonly fresh: () => T;

  constructor(labelNames: readonly string[], fresh: () => T) {
    this.labelNames = labelNames;
    this.fresh = fresh;
  }

  // The few series used last: consecutive requests almost always carry the same labels, and comparing a few short
  // strings is cheaper than building the joined key and hashing it on every sample. Several, since one request adds
  // to a series per token kind (input, output, …): with one, each missed the next.
  private readonly recent: { values: readonly string[]; data: T }[] = [];
  private next = 0;

  /** `values` in labelNames order. */
  protected at(values: readonly string[]): T {
    for (const r of this.recent) if (sameValues(r.values, values)) return r.data;
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      s = { labels, data: this.fresh() };
      this.series.set(key, s);
    }
    this.recent[this.next] = { values: values.slice(), data: s.data };
    this.next = (this.next + 1) % RECENT_SERIES;
    return s.data;
  }
}

export class FastCounter extends LabelledSeries<{ n: number }> {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;

  constructor(options: { name: string; help: string; labelNames: readonly string[] }) {
    super(options.labelNames, () => ({ n: 0 }));
    this.name = options.name;
    this.help = options.help;
  }

  inc(values: readonly string[], by = 1): void {
    this.at(values).n += by;
  }

  get(): Exposed {
    const values = [...this.series.values()].map((s) => ({ labels: s.labels, value: s.data.n }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

interface Buckets {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram extends LabelledSeries<Buckets> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly bounds: readonly number[];

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] }) {
    const bounds = [...options.buckets].sort((a, b) => a - b);
    super(options.labelNames, () => ({ counts: new Float64Array(bounds.length), sum: 0, count: 0 }));
    this.name = options.name;
    this.help = options.help;
    this.bounds = bounds;
  }

  observe(values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) return;
    const b = this.at(values);
    b.sum += value;
    b.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        b.counts[i]! += 1;
        break;
      }
    }
  }

  get(): Exposed {
    const values: SeriesValue[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.data.counts[i]!;
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.data.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.data.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.data.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
