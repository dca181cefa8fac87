// The guard on a request body: the raw bytes in, the bytes to parse out (redacted, or the same Buffer as it came),
// with what was found where. The bytes are scanned as they are, never decoded whole; the body is parsed here only
// when it could hide a secret from that scan (decoded.ts), and read for a JSON path only where there is a hit
// (locate.ts).
import { scanBytes } from './scan.ts';
import { redactBytes } from './redact.ts';
import { pathsAt } from './locate.ts';
import { decodedHits, needsDecodedLook } from './decoded.ts';
import type { GuardMode } from './mode.ts';

/** One secret found: the rule, where (a JSON path), what was done. Never the secret. */
export interface GuardFinding {
  rule: string;
  where: string;
  action: Exclude<GuardMode, 'off'>;
}

export interface GuardedBody {
  /** The bytes to parse: redacted under `redact`, else the very Buffer given. */
  bytes: Buffer;
  findings: GuardFinding[];
  /** Under `block`, the first finding: the request is refused naming it. */
  blocked?: GuardFinding;
}

/** Guards `bytes` under `mode` (not `off`). A body that is not JSON is left to the parser to refuse. */
export function guardBody(bytes: Buffer, mode: Exclude<GuardMode, 'off'>): GuardedBody {
  const hits = scanBytes(bytes);
  const paths =
    hits.length === 0
      ? []
      : pathsAt(
          bytes,
          hits.map((h) => h.start),
        );
  const findings: GuardFinding[] = hits.map((h, i) => ({ rule: h.rule.id, where: paths[i]!, action: mode }));
  // Asked of the bytes as they came: a placeholder's `…` would make every redacted body look suspect.
  const suspect = needsDecodedLook(bytes);
  let out = mode === 'redact' ? redactBytes(bytes, hits) : bytes;
  if (suspect) {
    const second = secondLook(out, mode);
    findings.push(...second.findings);
    out = second.bytes;
  }
  const blocked = mode === 'block' ? findings[0] : undefined;
  return blocked === undefined ? { bytes: out, findings } : { bytes: out, findings, blocked };
}

/** The rare body with escapes or look-alikes: decoded and parsed whole, its string values scanned once more. */
function secondLook(bytes: Buffer, mode: Exclude<GuardMode, 'off'>): { bytes: Buffer; findings: GuardFinding[] } {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let value: Parameters<typeof decodedHits>[1];
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    return { bytes, findings: [] };
  }
  const hits = decodedHits(text, value, mode === 'redact');
  const findings = hits.map((h) => ({ rule: h.hit.rule.id, where: h.path, action: mode }));
  return { bytes: mode === 'redact' && hits.length > 0 ? Buffer.from(JSON.stringify(value)) : bytes, findings };
}
