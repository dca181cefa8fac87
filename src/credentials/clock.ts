/** Local wall-clock time as HH:MM:SS, the way `auth explain` and warnings show deadlines. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** HH:MM:SS for today, otherwise the date too, so a deadline tomorrow does not read like one an hour ago. */
export function formatWhen(ms: number, now: number): string {
  const d = new Date(ms);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  if (sameDay) return formatClock(ms);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return `${date} ${formatClock(ms)}`;
}
