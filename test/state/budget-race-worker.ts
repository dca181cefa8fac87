// A child process for the budget race: COUNT reserves of AMOUNT against LIMIT on one counter of a shared store,
// as fast as it can. Usage: node budget-race-worker.ts HOME COUNT AMOUNT LIMIT [STATE]. Prints {"admitted": n}, then
// stays (its holds held) until its stdin ends.
import { openRaceStore } from './race-store.ts';

const [home, countText, amountText, limitText, kind = 'sqlite'] = process.argv.slice(2);
if (!home) throw new Error('usage: budget-race-worker.ts HOME COUNT AMOUNT LIMIT [STATE]');
const store = openRaceStore(home, kind, (m) => process.stderr.write(`store: ${m}\n`));
await store.ready();
const now = Date.now();
const item = {
  counter: 'race',
  limit: Number(limitText),
  amount: Number(amountText),
  soft: false,
  resetsAt: now + 3_600_000,
};
const results = await Promise.all(
  Array.from({ length: Number(countText) }, (_, i) =>
    store.budgets.reserve(`${process.pid}-${i}`, [item], now, now + 600_000),
  ),
);
process.stdout.write(JSON.stringify({ admitted: results.filter((r) => r.ok).length }) + '\n');
// Live until told (stdin ends): a replica that has left holds nothing, and the test reads the holds first.
process.stdin.resume();
await new Promise((resolve) => process.stdin.once('end', resolve));
await store.close();
