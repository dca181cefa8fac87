// Error identity that survives two copies of a module (a linked package, a second install): each error carries a
// registered symbol, as vercel/ai's AISDKError.hasMarker does, instead of callers comparing `err.name` strings.

/** The marker of one error class: the same symbol in every copy of this module (Symbol.for). */
export function errorMarker(name: string): symbol {
  return Symbol.for(`switchyard.error.${name}`);
}

/** Sets a marker on an error: not enumerable, so it stays out of logs, JSON and deepEqual. */
export function markAs(error: Error, marker: symbol): void {
  Object.defineProperty(error, marker, { value: true, enumerable: false });
}

/** Whether a value carries a marker. */
export function hasMarker(value: unknown, marker: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
