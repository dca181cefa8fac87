// The record of chat calls: exact counts per key and model and the running bill (never truncated), and a bounded log
// of the calls themselves, so a simulator left running for days does not grow without limit.
import type { SimCallRecord } from './types.ts';
import type { SimBilled } from './billing.ts';

const LOG_LIMIT = 10_000;

export interface CallSummary {
  total: number;
  keys: Record<string, { total: number; models: Record<string, number>; outcomes: Record<string, number> }>;
}

const noBill = (): SimBilled => ({ input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 });

function addBill(sum: SimBilled, bill: SimBilled): void {
  sum.input_tokens += bill.input_tokens;
  sum.output_tokens += bill.output_tokens;
  sum.cache_read_tokens += bill.cache_read_tokens;
  sum.cache_write_tokens += bill.cache_write_tokens;
}

export class CallBook {
  #log: SimCallRecord[] = [];
  #summary: CallSummary = { total: 0, keys: {} };
  /** The bill since the last reset, in all and per key: the log drops old calls, a long fault run's bill must not. */
  #billed = { all: noBill(), keys: new Map<string, SimBilled>() };
  /** Calls recorded since the last reset: one that ends after a reset is not billed to the new period. */
  #open = new WeakSet<SimCallRecord>();

  record(call: SimCallRecord): void {
    this.#log.push(call);
    if (this.#log.length > LOG_LIMIT) this.#log.splice(0, this.#log.length - LOG_LIMIT);
    this.#summary.total++;
    const entry = (this.#summary.keys[call.key] ??= { total: 0, models: {}, outcomes: {} });
    entry.total++;
    entry.models[call.model] = (entry.models[call.model] ?? 0) + 1;
    entry.outcomes[call.outcome] = (entry.outcomes[call.outcome] ?? 0) + 1;
    this.#open.add(call);
  }

  /** The call has ended with this bill (null: nothing); added to the running totals once. */
  settle(call: SimCallRecord, bill: SimBilled | null): void {
    call.billed = bill;
    call.ended = true;
    if (!this.#open.delete(call) || bill === null) return;
    addBill(this.#billed.all, bill);
    let forKey = this.#billed.keys.get(call.key);
    if (!forKey) this.#billed.keys.set(call.key, (forKey = noBill()));
    addBill(forKey, bill);
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

  /** Billed tokens of every call that has ended since the last reset (or of one key's), however many. */
  billed(key?: string): SimBilled {
    const sum = key === undefined ? this.#billed.all : this.#billed.keys.get(key);
    return { ...(sum ?? noBill()) };
  }

  summary(): CallSummary {
    return structuredClone(this.#summary);
  }

  clear(): void {
    this.#log = [];
    this.#summary = { total: 0, keys: {} };
    this.#billed = { all: noBill(), keys: new Map() };
    this.#open = new WeakSet();
  }
}
