// The fault suite's fast cases inside `./dev test` (`npm run faults` runs them all): two gateway processes on a
// private Redis under 32 requests at once, through Redis down 3 s and through a key command that exits 3. Each case's
// row of figures is printed as a diagnostic; the case fails on any criterion it does not meet (docs/faults.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES } from './cases.ts';
import { verdicts } from './checks.ts';
import { runCase } from './measure.ts';
import { renderTable } from './table.ts';
import { REDIS_MISSING } from '../helpers/redis.ts';

for (const spec of CASES.filter((c) => c.fast === true)) {
  test(`fault: ${spec.name}`, { skip: REDIS_MISSING, timeout: 120_000 }, async (t) => {
    const figures = await runCase(spec);
    const v = verdicts(figures);
    for (const line of renderTable([{ figures, verdicts: v }])
      .trimEnd()
      .split('\n'))
      t.diagnostic(line);
    const failed = v.filter((x) => !x.ok);
    assert.deepEqual(
      failed.map((x) => `${x.check}: ${x.detail}`),
      [],
    );
  });
}
