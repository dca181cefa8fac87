// An `auth reset` made by another process (the CLI, usually) reaches a running gateway through the state store within
// a second; the gateway says so in its log, per provider, so an operator who ran the reset sees that it took — or,
// seeing nothing, that the gateway reads another store.
import type { HealthRecord } from '../../credentials/types.ts';
import { formatClock } from '../../errors/explain-format.ts';
import { splitRegionalKey } from '../../credentials/scoped-health.ts';
import type { GatewayContext } from '../context.ts';

/** A record a reset set to ok: its state was last written after its last success (a success writes the state at or
 * before the success's own time, credentials/health.ts), and only a reset writes `ok` otherwise. */
function resetAt(r: HealthRecord): number | undefined {
  const at = r.state_at ?? 0;
  return r.state === 'ok' && at > (r.last_success_at ?? 0) ? at : undefined;
}

/** Set aside (not plainly ok): a reset of such a key is news; one of a key already ok is not. */
function setAside(r: HealthRecord): boolean {
  return r.state !== 'ok' || r.probe_at !== undefined;
}

/** Logs each reset seen in the store's changes that put a set-aside key back to ok; returns the unsubscribe function.
 * A reset older than the gateway is not news, nor is one said already, nor one of a key that was ok already. */
export function logResetsSeen(ctx: GatewayContext): () => void {
  const said = new Map<string, number>();
  const wasSetAside = new Map<string, boolean>();
  for (const r of ctx.store.allHealth()) {
    const at = resetAt(r);
    if (at !== undefined) said.set(r.fingerprint, at);
    wasSetAside.set(r.fingerprint, setAside(r));
  }
  return ctx.store.onChange((change) => {
    if (change.type !== 'health') return;
    // Made on the first reset to say: every request's own health change comes through here and has none.
    let byProvider: Map<string, { fingerprint: string; at: number }[]> | undefined;
    for (const fingerprint of change.fingerprints) {
      const r = ctx.store.getHealth(fingerprint);
      if (r === undefined) continue;
      const before = wasSetAside.get(fingerprint) === true;
      wasSetAside.set(fingerprint, setAside(r));
      const at = resetAt(r);
      if (at === undefined || said.get(fingerprint) === at) continue;
      said.set(fingerprint, at);
      if (!before) continue;
      byProvider ??= new Map();
      const list = byProvider.get(r.provider) ?? [];
      list.push({ fingerprint, at });
      byProvider.set(r.provider, list);
    }
    if (byProvider !== undefined) for (const [provider, keys] of byProvider) say(ctx, provider, keys);
  });
}

function say(ctx: GatewayContext, provider: string, keys: { fingerprint: string; at: number }[]): void {
  const masked = new Map(
    ctx.router.pool.candidates(provider).map((c) => [c.credential.fingerprint, c.credential.masked]),
  );
  // A credential's rest in one region (scoped-health.ts) is named as the credential, in that region.
  const names = keys.map((k) => {
    const regional = splitRegionalKey(k.fingerprint);
    const fp = regional?.fingerprint ?? k.fingerprint;
    const where = regional !== undefined ? ` in ${regional.region}` : '';
    const shown = masked.get(fp);
    // A minted credential's mask is already parenthesised ("(minted)").
    const label = shown === undefined ? '' : shown.startsWith('(') ? ` ${shown}` : ` (${shown})`;
    return `${fp}${label}${where}`;
  });
  const when = formatClock(Math.max(...keys.map((k) => k.at)), { seconds: true });
  const what = names.length === 1 ? `credential ${names[0]} is` : `credentials ${names.join(', ')} are`;
  ctx.logger.info(
    {
      provider,
      credentials: keys.map((k) => k.fingerprint),
      reset_at: new Date(Math.max(...keys.map((k) => k.at))).toISOString(),
    },
    `auth reset seen: ${provider}'s ${what} ok again (reset at ${when} by another process, e.g. \`switchyard auth reset ${provider}\`)`,
  );
}
