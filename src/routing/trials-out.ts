// The keys whose single trial request (a probe) this process has out right now, so a call that finds them set aside
// can say it is waiting on that request, which their health record alone cannot tell from a probe still to come.

export class TrialsOut {
  readonly #out = new Map<string, number>();

  add(fingerprint: string): void {
    this.#out.set(fingerprint, (this.#out.get(fingerprint) ?? 0) + 1);
  }

  done(fingerprint: string): void {
    const n = (this.#out.get(fingerprint) ?? 0) - 1;
    if (n > 0) this.#out.set(fingerprint, n);
    else this.#out.delete(fingerprint);
  }

  has(fingerprint: string): boolean {
    return this.#out.has(fingerprint);
  }
}
