// Preloaded into a gateway process (`NODE_OPTIONS=--import=…/process-faults.ts`) to stand for a bug that slips
// through (it is a preload, not a module to import): each SIGUSR2 leaves one promise rejection unhandled and throws one exception from a timer, as a missing
// `catch` or `'error'` listener would. Nothing of the gateway is changed; the process guard is what is tested.
process.on('SIGUSR2', () => {
  void Promise.reject(new Error('a rejection nobody handles (injected by the test)'));
  setTimeout(() => {
    throw new TypeError('an exception nobody catches (injected by the test)');
  }, 0);
});
