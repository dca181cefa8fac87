// Namespaced names: a server's tool `create_issue` is `github__create_issue` at the gateway. Server names have no
// `__` (config/schema.ts), so the first `__` splits a name back.
export const SEPARATOR = '__';

export function namespaced(server: string, name: string): string {
  return `${server}${SEPARATOR}${name}`;
}

export function split(name: string): { server: string; name: string } | undefined {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0) return undefined;
  return { server: name.slice(0, at), name: name.slice(at + SEPARATOR.length) };
}
