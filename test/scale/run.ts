// `npm run scale [-- WORD…]`: the scale suite's scenarios (test/scale/scale.ts), or those whose name has a word given,
// one after another; prints the table (bench/README.md says how its figures were found) and exits 1 when a scenario
// could not run. Skips, saying why, where its services cannot be had (root for the namespaces, HAProxy, PgBouncer,
// PostgreSQL, redis-server and redis-cli).
import { SCALE_MISSING, SCENARIOS, renderScaleTable, runScenario } from './scale.ts';

const words = process.argv.slice(2).filter((a) => !a.startsWith('--'));

async function main(): Promise<number> {
  if (SCALE_MISSING !== undefined) {
    process.stderr.write(`scale: skipped: ${SCALE_MISSING}\n`);
    return 0;
  }
  const rows = [];
  for (const spec of SCENARIOS.filter((s) => words.length === 0 || words.some((w) => s.name.includes(w))))
    rows.push(await runScenario(spec, (line) => process.stderr.write(`scale: ${line}\n`)));
  process.stdout.write(renderScaleTable(rows));
  return rows.every((r) => r.error === undefined) ? 0 : 1;
}

process.exitCode = await main();
