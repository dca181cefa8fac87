// The fault suite's cases that issue 40's "Done when" names, inside `./dev test` (`npm run faults` runs them all): two
// gateway processes under 32 requests at once through Redis down and paused, PostgreSQL stopped and its connections
// ended, a replica killed, and every failing key source. Each case's row is printed as a diagnostic, and the whole
// table once all have run; a case fails on any criterion it does not meet (docs/faults.md).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES } from './cases.ts';
import { verdicts } from './checks.ts';
import { runCase } from './measure.ts';
import { renderTable } from './table.ts';
import type { Figures } from './measure.ts';
import type { Verdict } from './checks.ts';
import { missingFor } from './world.ts';
import { RUN_SPAN_MS } from '../helpers/day-window.ts';

const rows: { figures: Figures; verdicts: Verdict[] }[] = [];
after(() => {
  if (rows.length > 0) process.stdout.write(`\nThe fault suite's table (docs/faults.md):\n${renderTable(rows)}\n`);
});

for (const spec of CASES.filter((c) => c.fast === true)) {
  const skip = missingFor(spec) ?? false;
  // The timeout allows for a wait past midnight UTC (test/helpers/day-window.ts).
  test(`fault: ${spec.name}`, { skip, timeout: 120_000 + RUN_SPAN_MS }, async (t) => {
    const figures = await runCase(spec);
    const v = verdicts(figures);
    rows.push({ figures, verdicts: v });
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
