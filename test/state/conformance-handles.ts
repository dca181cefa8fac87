// What both state conformance suites (store.case.ts, budget-store.case.ts) need inside their describe(): fresh
// factories, handles opened on them and closed after, and `test` that honours an implementation's reasoned skips.
import { it, after } from 'node:test';
import type { StateStore } from '../../src/state/types.ts';

/** `open()` returns a new handle on the same backing state, standing in for a second process. */
export interface StoreFactory {
  open(): StateStore;
  cleanup(): void;
}

/** Case name → why it is skipped for this implementation. */
export type SkipList = Record<string, string>;

export interface ConformanceHandles {
  fresh(): StoreFactory;
  /** A new handle, once it has loaded its state (Redis loads asynchronously). */
  open(f: StoreFactory): Promise<StateStore>;
  test(title: string, fn: () => Promise<void> | void): void;
}

/** Call inside the suite's describe(): the handles and factories it makes are closed after the suite. */
export function conformanceHandles(makeFactory: () => StoreFactory, skip: SkipList): ConformanceHandles {
  const handles: StateStore[] = [];
  const factories: StoreFactory[] = [];
  after(async () => {
    for (const h of handles) await h.close();
    for (const f of factories) f.cleanup();
  });
  return {
    fresh() {
      const f = makeFactory();
      factories.push(f);
      return f;
    },
    async open(f) {
      const s = f.open();
      handles.push(s);
      await s.ready();
      return s;
    },
    test(title, fn) {
      const reason = skip[title];
      if (reason !== undefined) it(title, { skip: reason }, () => {});
      else it(title, fn);
    },
  };
}
