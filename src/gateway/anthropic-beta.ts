// The caller's `anthropic-beta` header, as far as the gateway passes it on to Anthropic routes. Only betas that
// change limits or efficiency are forwarded (a longer context window, longer cache lifetimes, more output, leaner
// tool streaming), and those of the request fields the gateway passes on (`context_management`, `output_config.effort`
// on Opus 4.5): others would change what the answer holds (interleaved thinking, server tools, files), which the
// canonical answer cannot carry, or belong to the caller's own credentials (Claude Code's OAuth and product betas),
// which the gateway's keys do not have.
const FORWARDED_PREFIXES = [
  'context-1m-',
  'extended-cache-ttl-',
  'output-128k-',
  'token-efficient-tools-',
  'fine-grained-tool-streaming-',
  'prompt-caching-',
  'context-management-',
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
