// `gateway.max_in_flight_per_key`, checked before the body is read, so one runaway client can neither hold every
// upstream connection nor make the gateway buffer its bodies. Counted per process.
import type { ServerResponse } from 'node:http';

export class KeyConcurrency {
  private readonly inFlight = new Map<string, number>();

  /** Takes a place for `id` when it has fewer than `limit` requests in flight, released when `res` closes (finished
   * or cut off: 'close' comes either way, once); false when it is full. */
  enter(id: string, limit: number, res: ServerResponse): boolean {
    const n = this.inFlight.get(id) ?? 0;
    if (n >= limit) return false;
    this.inFlight.set(id, n + 1);
    res.once('close', () => this.leave(id));
    return true;
  }

  /** Requests `id` has in flight now. */
  count(id: string): number {
    return this.inFlight.get(id) ?? 0;
  }

  private leave(id: string): void {
    const n = (this.inFlight.get(id) ?? 1) - 1;
    // Deleted at zero, so keys that come and go leave nothing behind.
    if (n <= 0) this.inFlight.delete(id);
    else this.inFlight.set(id, n);
  }
}
