// Makes a captured request fit to commit: the machine's paths become placeholders, and very long strings (system
// prompts, tool descriptions, grammars — tens of kilobytes that no replay looks into) are cut, saying so in place.
// The structure — every field, block, message and tool — stays exactly as the client sent it.

export interface TrimRules {
  /** Each `from` (a path of this machine) is replaced by `to` wherever it occurs. */
  replace: readonly (readonly [from: string, to: string])[];
  /** Strings longer than this are cut… */
  maxString: number;
  /** …to this many characters, then `… [N characters trimmed]`. */
  keep: number;
}

export const DEFAULT_TRIM: Omit<TrimRules, 'replace'> = { maxString: 1000, keep: 200 };

export function trimValue(value: unknown, rules: TrimRules, stats = { cut: 0 }): unknown {
  if (typeof value === 'string') return trimString(value, rules, stats);
  if (Array.isArray(value)) return value.map((v) => trimValue(v, rules, stats));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimValue(v, rules, stats)]));
  }
  return value;
}

function trimString(text: string, rules: TrimRules, stats: { cut: number }): string {
  let out = text;
  for (const [from, to] of rules.replace) if (from !== '') out = out.split(from).join(to);
  if (out.length <= rules.maxString) return out;
  stats.cut += 1;
  return `${out.slice(0, rules.keep)}… [${out.length - rules.keep} characters trimmed]`;
}
