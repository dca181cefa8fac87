// Upstream headers arrive as undici's plain object (`Record<string, string | string[] | undefined>`), as a fetch
// `Headers`, or as test data. One lowercase getter reads them all.

export type HeaderBag = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export type HeaderGetter = (name: string) => string | undefined;

export function headerGetter(headers: HeaderBag | undefined): HeaderGetter {
  if (headers === undefined) return () => undefined;
  if (headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const value = typeof v === 'string' ? v : v.join(', ');
    lower.set(k.toLowerCase(), value);
  }
  return (name) => lower.get(name.toLowerCase());
}
