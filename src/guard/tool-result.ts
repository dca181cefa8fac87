// The secrets guard on a value that is no request body: an MCP `tools/call` result relayed to the caller. Every
// string in it is scanned (decoded and normalized when it holds look-alikes), and under redact replaced by its
// redacted text; a JSON path says where each secret was.
import { scanSecrets } from './scan.ts';
import { redactHits } from './redact.ts';
import { stringNeedsDecodedLook, normalized } from './decoded.ts';
import type { GuardFinding } from './body.ts';
import type { GuardMode } from './mode.ts';

export interface GuardedValue<T> {
  value: T;
  findings: GuardFinding[];
}

/** `value` with its secrets found (and redacted under `redact`); `at` names the whole value in the findings. */
export function guardValue<T>(value: T, mode: Exclude<GuardMode, 'off'>, at: string): GuardedValue<T> {
  const findings: GuardFinding[] = [];
  const out = walk(value, at, (text, where) => {
    const seen = stringNeedsDecodedLook(text) ? normalized(text) : text;
    const hits = scanSecrets(seen);
    for (const h of hits) findings.push({ rule: h.rule.id, where, action: mode });
    return mode === 'redact' && hits.length > 0 ? redactHits(seen, hits) : text;
  });
  return { value: out as T, findings };
}

function walk(value: unknown, path: string, visit: (text: string, where: string) => string): unknown {
  if (typeof value === 'string') return visit(value, path);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, visit));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = walk(v, `${path}.${/^[A-Za-z0-9_-]{1,64}$/.test(k) ? k : '*'}`, visit);
  return out;
}
