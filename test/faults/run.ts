// `npm run faults [-- --fast] [-- --details] [-- NAME…]`: every fault case of test/faults/cases.ts (or the fast ones,
// or those whose name contains one of the words given), each in a world of its own, one after another; prints the
// table of figures (docs/faults.md), with `--details` each check's figures as it passes or fails, and exits 1 when any
// case failed a criterion. Skips, saying why, without redis-server or the
// PostgreSQL server's programs (or, for a case on a Redis Cluster or Sentinel, what that needs).
import { CASES } from './cases.ts';
import { verdicts } from './checks.ts';
import { runCase } from './measure.ts';
import { renderTable } from './table.ts';
import { REDIS_MISSING } from '../helpers/redis.ts';
import { missingFor } from './world.ts';

const args = process.argv.slice(2);
const words = args.filter((a) => !a.startsWith('--'));
const chosen = CASES.filter(
  (c) => (!args.includes('--fast') || c.fast === true) && (words.length === 0 || words.some((w) => c.name.includes(w))),
);

async function main(): Promise<number> {
  if (REDIS_MISSING !== undefined) {
    process.stderr.write(`faults: skipped: ${REDIS_MISSING}\n`);
    return 0;
  }
  const rows = [];
  const started = Date.now();
  for (const spec of chosen) {
    const missing = missingFor(spec);
    if (missing !== undefined) {
      process.stderr.write(`faults: ${spec.name}: skipped: ${missing}\n`);
      continue;
    }
    const caseStart = Date.now();
    const figures = await runCase(spec, (line) => process.stderr.write(`faults: ${line}\n`));
    const v = verdicts(figures);
    process.stderr.write(
      `faults: ${spec.name}: ${v.every((x) => x.ok) ? 'pass' : 'FAIL'} in ${((Date.now() - caseStart) / 1000).toFixed(0)} s\n`,
    );
    rows.push({ figures, verdicts: v });
    if (args.includes('--details'))
      for (const x of v) process.stderr.write(`faults: ${spec.name}: ${x.check}: ${x.detail}\n`);
  }
  process.stdout.write(renderTable(rows));
  process.stdout.write(`${rows.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return rows.every((r) => r.verdicts.every((v) => v.ok)) ? 0 : 1;
}

process.exitCode = await main();
