// The timers a piece of code sets, counted through an async hook (which sees unref'd ones too): for tests that an idle
// process is not woken for nothing.
import { createHook } from 'node:async_hooks';

/** What `make` returns, and how many timers it set while it ran (synchronously). */
export function timersSetBy<T>(make: () => T): { value: T; timers: number } {
  let timers = 0;
  const hook = createHook({
    init: (_id, type) => {
      if (type === 'Timeout') timers++;
    },
  }).enable();
  try {
    return { value: make(), timers };
  } finally {
    hook.disable();
  }
}
