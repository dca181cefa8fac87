// The record of chat calls: exact counts per key and model (never truncated), and a bounded log of the calls
// themselves, so a simulator left running for days does not grow without limit.
import type { SimCallRecord } from './types.ts';
import type { SimBilled } from './billing.ts';

const LOG_LIMIT = 10_000;

export interface CallSummary {
  total: number;
  keys: Record<string, { total: number; models: Record<string, number>; outcomes: Record<string, number> }>;
}

export class CallBook {
  #log: SimCallRecord[] = [];
  #summary: CallSummary = { total: 0, keys: {} };

  record(call: SimCallRecord): void {
    this.#log.push(call);
    if (this.#log.length > LOG_LIMIT) this.#log.splice(0, this.#log.length - LOG_LIMIT);
    this.#summary.total++;
    const entry = (this.#summary.keys[call.key] ??= { total: 0, models: {}, outcomes: {} });
    entry.total++;
    entry.models[call.model] = (entry.models[call.model] ?? 0) + 1;
    entry.outcomes[call.outcome] = (entry.outcomes[call.outcome] ?? 0) + 1;
  }

  calls(key?: string, model?: string): number {
    if (key === undefined) {
      if (model === undefined) return this.#summary.total;
      return Object.values(this.#summary.keys).reduce((n, k) => n + (k.models[model] ?? 0), 0);
    }
    const entry = this.#summary.keys[key];
    if (!entry) return 0;
    return model === undefined ? entry.total : (entry.models[model] ?? 0);
  }

  /** The calls in order; with `key` or `model`, only theirs (the calls `calls(key, model)` counts). */
  log(key?: string, model?: string): SimCallRecord[] {
    const kept =
      key === undefined && model === undefined
        ? this.#log
        : this.#log.filter((r) => (key === undefined || r.key === key) && (model === undefined || r.model === model));
    return kept.map((r) => ({ ...r, fields: [...r.fields], roles: [...r.roles] }));
  }

  /** Billed tokens summed over the calls kept (the log's bound is far above what a test makes). */
  billed(key?: string): SimBilled {
    const sum: SimBilled = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    for (const r of this.#log) {
      if (r.billed === null || (key !== undefined && r.key !== key)) continue;
      sum.input_tokens += r.billed.input_tokens;
      sum.output_tokens += r.billed.output_tokens;
      sum.cache_read_tokens += r.billed.cache_read_tokens;
      sum.cache_write_tokens += r.billed.cache_write_tokens;
    }
    return sum;
  }

  summary(): CallSummary {
    return structuredClone(this.#summary);
  }

  clear(): void {
    this.#log = [];
    this.#summary = { total: 0, keys: {} };
  }
}
