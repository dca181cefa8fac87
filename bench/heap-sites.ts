// Reads a sampling heap profile (bench/heap-sampling.ts) and prints the bytes allocated per request by site, largest
// first: by the frame that allocated (often Node's or V8's own code) and by the innermost frame of Switchyard's src/
// on the way to it (what a change to the request path can cut). For bench/alloc.bench.ts with BENCH_SITES=1.
import { readFileSync } from 'node:fs';

interface SampledNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampledNode[];
}

const TOP = Number(process.env['BENCH_SITES_TOP'] ?? 20);

/** `fn file:line`, the file relative to the checkout (or the package under node_modules). */
function siteName(frame: SampledNode['callFrame']): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const at = url.lastIndexOf('/node_modules/');
  const src = url.indexOf('/src/');
  const file = at >= 0 ? url.slice(at + 14) : src >= 0 ? url.slice(src + 1) : url || '(native)';
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

function isOwn(frame: SampledNode['callFrame']): boolean {
  return frame.url.includes('/src/') && !frame.url.includes('/node_modules/');
}

/** Adds every node's own bytes to its frame and to the innermost src/ frame above it (itself included). */
function tally(
  node: SampledNode,
  own: string | undefined,
  byFrame: Map<string, number>,
  byOwn: Map<string, number>,
): void {
  const name = siteName(node.callFrame);
  const ownHere = isOwn(node.callFrame) ? name : own;
  if (node.selfSize > 0) {
    byFrame.set(name, (byFrame.get(name) ?? 0) + node.selfSize);
    const key = ownHere ?? '(outside src/)';
    byOwn.set(key, (byOwn.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) tally(child, ownHere, byFrame, byOwn);
}

function printTop(title: string, sizes: Map<string, number>, requests: number): void {
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  console.log(`${title} (${(total / requests).toFixed(0)} bytes per request in all):`);
  for (const [name, bytes] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`  ${(bytes / requests).toFixed(0).padStart(7)} B  ${name}`);
}

export function printSites(file: string, requests: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: SampledNode };
  const byFrame = new Map<string, number>();
  const byOwn = new Map<string, number>();
  tally(profile.head, undefined, byFrame, byOwn);
  const n = Math.max(1, requests);
  printTop('bytes allocated per request, by the allocating frame', byFrame, n);
  printTop('the same by the innermost frame of src/ that led there', byOwn, n);
}
