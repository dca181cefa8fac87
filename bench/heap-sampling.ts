// Preloaded (`--import`) into a bench server by bench/alloc.bench.ts with BENCH_SITES=1: V8's sampling heap profiler,
// counting garbage too (objects a collection freed), from the first SIGUSR2 (the bench's mark after its warm-up) to
// the process's exit, written to HEAP_SAMPLING_FILE. The bench turns it into bytes per request by allocation site.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env['HEAP_SAMPLING_FILE'];
/** One sample per this many bytes on average: small enough for a site of ~100 bytes a request to show. */
const INTERVAL = Number(process.env['HEAP_SAMPLING_INTERVAL'] ?? 4096);

if (file !== undefined) {
  const session = new Session();
  session.connect();
  process.once('SIGUSR2', () => {
    session.post('HeapProfiler.startSampling', {
      samplingInterval: INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      // HEAP_SAMPLING_SURVIVORS=1: only what outlived the young generation (promoted, or still live), not the garbage
      // a scavenge freed: where the old generation's growth comes from.
      includeObjectsCollectedByMinorGC: process.env['HEAP_SAMPLING_SURVIVORS'] !== '1',
    });
  });
  // An in-thread session answers synchronously, so the profile is written before the process is gone.
  process.once('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err === null && result !== undefined) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
