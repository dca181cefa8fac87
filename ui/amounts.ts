// A budget's amounts as the Tasks view says them: with enough decimals that two different amounts never read the
// same ("$0.0003 of $0.0003" hid a spend above its limit), and what is over the limit said outright.

export type Resource = 'requests' | 'tokens' | 'usd' | 'calls';

/** The fewest decimals (2 at or above $1, 4 below, up to 8) at which every non-zero amount shows a digit and
 * different amounts read differently. */
function decimalsFor(amounts: number[]): number {
  const floor = amounts.some((n) => n >= 1) ? 2 : 4;
  for (let d = floor; d < 8; d++) {
    const said = amounts.map((n) => n.toFixed(d));
    const visible = amounts.every((n, i) => n === 0 || Number(said[i]) !== 0);
    const distinct = amounts.every((n, i) => amounts.every((m, j) => n === m || said[i] !== said[j]));
    if (visible && distinct) return d;
  }
  return 8;
}

function say(resource: Resource, n: number, decimals: number): string {
  return resource === 'usd' ? `$${n.toFixed(decimals)}` : `${n.toLocaleString('en-US')} ${resource}`;
}

/** Spent, held and limit in one precision; `over` when what is spent passed the limit. */
export function budgetAmounts(
  resource: Resource,
  b: { spent: number; reserved: number; limit: number; remaining: number },
): { spent: string; held: string; limit: string; left: string; over?: string } {
  const over = b.spent > b.limit ? b.spent - b.limit : 0;
  const d = decimalsFor([b.spent, b.reserved, b.limit, b.remaining, over]);
  const out = {
    spent: say(resource, b.spent, d),
    held: say(resource, b.reserved, d),
    limit: say(resource, b.limit, d),
    left: say(resource, b.remaining, d),
  };
  return over > 0 ? { ...out, over: say(resource, over, d) } : out;
}
