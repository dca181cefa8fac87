// Calls held by the `hold` script step until the control API lets them go (`POST /_sim/release`): a test that must
// have a call out while others come and go decides when it is answered, however slow the machine, instead of guessing
// a latency long enough.

export class HeldCalls {
  readonly #waiting = new Set<() => void>();

  /** How many calls are held now. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves true once released, false when `signal` ends the wait first (the client left, the simulator closed). */
  wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const release = (): void => {
        signal.removeEventListener('abort', abandon);
        this.#waiting.delete(release);
        resolve(true);
      };
      const abandon = (): void => {
        this.#waiting.delete(release);
        resolve(false);
      };
      this.#waiting.add(release);
      signal.addEventListener('abort', abandon, { once: true });
    });
  }

  /** Lets every call held now go on; those held later wait for the next release. How many went. */
  release(): number {
    const now = [...this.#waiting];
    for (const go of now) go();
    return now.length;
  }
}
