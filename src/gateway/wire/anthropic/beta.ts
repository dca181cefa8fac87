// The `anthropic-beta` values forwarded to Anthropic routes: only betas that change limits or efficiency, or belong
// to fields the gateway passes on; others change what the answer holds or need the caller's own credentials.
const FORWARDED_PREFIXES = [
  'context-1m-',
  'extended-cache-ttl-',
  'output-128k-',
  'token-efficient-tools-',
  'fine-grained-tool-streaming-',
  'prompt-caching-',
  'context-management-',
  // Server-side compaction (`compact-2026-01-12`, …): its `compaction` blocks are carried (docs/responses.md#compaction).
  'compact-',
  'effort-',
];

const NAME = /^[a-z0-9][\w.-]{0,99}$/i;

/** The forwarded beta names of an `anthropic-beta` header (comma-separated, possibly repeated), or undefined. */
export function forwardedBetas(header: string | string[] | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const names = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => NAME.test(b) && FORWARDED_PREFIXES.some((p) => b.startsWith(p)));
  return names.length > 0 ? [...new Set(names)] : undefined;
}
