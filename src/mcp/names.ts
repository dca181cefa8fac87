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

/** The most characters of a server or tool name a record keeps: a refused call's name is the caller's to choose. */
export const MAX_RECORDED_NAME = 128;

/** Characters that would act on a terminal or reorder text rather than show: C0 and C1 controls, DEL, the line and
 * paragraph separators, and the bidirectional controls (U+202E turns `evil` round on screen). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** A name fit to record and print: each unprintable character written as its `\uXXXX` escape, cut to
 * MAX_RECORDED_NAME characters (`…` last). Names that are fine, as every configured one is, are kept as they are. */
export function recordedName(name: string): string {
  const shown = name.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (shown.length <= MAX_RECORDED_NAME) return shown;
  // Not between the two halves of a surrogate pair: half a character is no character.
  const end = MAX_RECORDED_NAME - (isHighSurrogate(shown.charCodeAt(MAX_RECORDED_NAME - 2)) ? 2 : 1);
  return `${shown.slice(0, end)}…`;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
