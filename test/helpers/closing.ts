// For what src/ starts and a test closes (a simulator, a gateway, a router, a store): `await using sim =
// closing(await startSimulator(…))` closes it when the test's scope ends, as the test harnesses are closed.

/** The same object, closed by `await using`. */
export function closing<T extends { close(): Promise<void> | void }>(resource: T): T & AsyncDisposable {
  return Object.assign(resource, { [Symbol.asyncDispose]: async () => await resource.close() });
}
