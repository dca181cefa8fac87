// The guard on a request body: the raw bytes in, the bytes to parse out (redacted, or the same Buffer as it came),
// with what was found where. The bytes are scanned as they are, never decoded whole; the body is parsed here only
// when it could hide a secret from that scan (decoded.ts), and read for a JSON path only where there is a hit
// (locate.ts). Given the spans of the body's messages, those already scanned clean on an earlier turn are skipped
// (seen-clean.ts).
import { scanBytes, type SecretHit } from './scan.ts';
import { redactBytes } from './redact.ts';
import { pathsAt } from './locate.ts';
import { decodedHits, needsDecodedLook } from './decoded.ts';
import type { GuardMode } from './mode.ts';
import { rememberClean, seenClean, spanHash } from './seen-clean.ts';
import { isSpace, type ByteSpan, type SpanRun, type SpanRuns } from '../providers/translate/json-scan.ts';

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

/** Guards `bytes` under `mode` (not `off`). A body that is not JSON is left to the parser to refuse. `spans`, when
 * the body was parsed first: its arrays' elements, in order (json-pieces.ts), each skipped when seen clean before;
 * `runs`, runs of them read as one (a run seen clean is skipped with one look). */
export function guardBody(
  bytes: Buffer,
  mode: Exclude<GuardMode, 'off'>,
  spans?: readonly ByteSpan[],
  runs?: SpanRuns,
): GuardedBody {
  const { hits, suspect } =
    spans === undefined || spans.length === 0 ? scanWhole(bytes) : scanUnseen(bytes, spans, runs);
  const paths =
    hits.length === 0
      ? []
      : pathsAt(
          bytes,
          hits.map((h) => h.start),
        );
  const findings: GuardFinding[] = hits.map((h, i) => ({ rule: h.rule.id, where: paths[i]!, action: mode }));
  let out = mode === 'redact' ? redactBytes(bytes, hits) : bytes;
  if (suspect) {
    const second = secondLook(out, mode);
    findings.push(...second.findings);
    out = second.bytes;
  }
  const blocked = mode === 'block' ? findings[0] : undefined;
  return blocked === undefined ? { bytes: out, findings } : { bytes: out, findings, blocked };
}

interface Scanned {
  hits: SecretHit[];
  /** The body needs the second look. Asked of the bytes as they came: a placeholder's `…` would make every redacted
   * body look suspect. */
  suspect: boolean;
}

function scanWhole(bytes: Buffer): Scanned {
  return { hits: scanBytes(bytes), suspect: needsDecodedLook(bytes) };
}

/** A part of the body scanned, and the spans in it not seen before (each with its hash). */
interface Region {
  start: number;
  end: number;
  fresh: { span: ByteSpan; hash: bigint; index: number }[];
}

/** The body scanned but for the spans seen clean before; the spans scanned now and found clean are remembered, and
 * so is each run kept for the next turn whose spans are all clean. */
function scanUnseen(bytes: Buffer, spans: readonly ByteSpan[], runs: SpanRuns | undefined): Scanned {
  const hits: SecretHit[] = [];
  let suspect = false;
  // Which spans are clean: seen so before (alone, or in a run), or scanned so now.
  const clean = new Uint8Array(spans.length);
  for (const region of regionsToScan(bytes, spans, cleanRuns(runs?.checked, spans.length), clean)) {
    const part = bytes.subarray(region.start, region.end);
    const found = scanBytes(part).map((h) => ({ ...h, start: h.start + region.start, end: h.end + region.start }));
    const partSuspect = needsDecodedLook(part);
    hits.push(...found);
    suspect ||= partSuspect;
    for (const { span, hash, index } of region.fresh) {
      if (found.some((h) => h.start < span.end && h.end > span.start)) continue;
      // Only in a part that needs the second look is each span asked alone: the rest of a conversation with one
      // escaped message is still remembered.
      if (!partSuspect || !needsDecodedLook(bytes.subarray(span.start, span.end))) {
        rememberClean(hash, span.end - span.start);
        clean[index] = 1;
      }
    }
  }
  for (const run of runs?.kept ?? []) if (allClean(clean, run)) rememberClean(run.hash, run.length);
  return { hits, suspect };
}

/** The runs checked against the turn before that were seen clean, in order: each is skipped whole. */
function cleanRuns(checked: readonly SpanRun[] | undefined, spans: number): SpanRun[] {
  if (checked === undefined) return [];
  const known = checked.filter(
    (r) => r.first > 0 && r.last < spans && r.first <= r.last && seenClean(r.hash, r.length),
  );
  return known.sort((a, b) => a.first - b.first);
}

function allClean(clean: Uint8Array, run: SpanRun): boolean {
  if (run.first <= 0 || run.last >= clean.length) return false;
  for (let i = run.first; i <= run.last; i++) if (clean[i] !== 1) return false;
  return true;
}

/** The body split around the spans seen clean: what is left between them, joined where nothing separates it. The
 * commas and spaces between two elements need no scan. */
function regionsToScan(
  bytes: Buffer,
  spans: readonly ByteSpan[],
  runs: readonly SpanRun[],
  clean: Uint8Array,
): Region[] {
  const regions: Region[] = [];
  let current: Region = { start: 0, end: 0, fresh: [] };
  let nextRun = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    // Where the clean bytes that start here end: this span's, or a clean run's last span's.
    let cleanEnd = span.end;
    const run = runs[nextRun];
    if (run !== undefined && run.first === i) {
      clean.fill(1, run.first, run.last + 1);
      cleanEnd = spans[run.last]!.end;
      i = run.last;
      nextRun++;
    } else {
      const hash = span.hash ?? spanHash(bytes, span.start, span.end);
      if (!seenClean(hash, span.end - span.start)) {
        current.fresh.push({ span, hash, index: i });
        continue;
      }
      clean[i] = 1;
    }
    current.end = span.start;
    if (current.fresh.length > 0 || !onlySeparators(bytes, current.start, current.end)) {
      regions.push(current);
      current = { start: cleanEnd, end: 0, fresh: [] };
    } else {
      // Nothing to scan before this clean span: the region starts after it (no new one per span).
      current.start = cleanEnd;
    }
  }
  current.end = bytes.length;
  if (current.fresh.length > 0 || !onlySeparators(bytes, current.start, current.end)) regions.push(current);
  return regions;
}

/** Whether `start` to `end` holds only what stands between two elements of an array: commas and spaces. */
function onlySeparators(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0x2c && !isSpace(bytes[i])) return false;
  return true;
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
