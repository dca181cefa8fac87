// A Redis command given a bound: past it the caller goes on as if Redis were down, while the command itself may
// still complete or fail later (its outcome is then ignored, never unhandled).
export function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    // A busy event loop runs timers before the I/O that came in meanwhile: a reply already read is let in first, so
    // only Redis being slow counts, not this process.
    timer = setTimeout(() => setImmediate(() => reject(new Error(`no answer within ${ms} ms`))), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
