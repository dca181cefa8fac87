// Who did what: every state-changing action of the dashboard and the admin API is said in the log and kept in the
// usage ledger's audit table (usage/audit.ts), which `switchyard usage audit` reads. Only names go in: a person, a
// role, an action and what it acted on — never the key, cookie or token that let them.
import { scrubSecrets } from '../../log.ts';
import type { AuditEntry } from '../../usage/audit.ts';
import type { GatewayContext } from '../context.ts';
import type { Identity } from '../ui/session.ts';

export interface ActionDone {
  action: string;
  /** `provider`, or `provider/credential`. */
  target: string;
  /** `ok`, or why it failed. */
  outcome: string;
}

export async function recordAction(ctx: GatewayContext, by: Identity, done: ActionDone, now: number): Promise<void> {
  // The target is what the caller typed (an ID, a provider's name): a key pasted there is masked as the log masks it,
  // since the audit table is beyond the logger's redaction.
  const entry: AuditEntry = {
    at: now,
    who: by.who,
    role: by.role,
    via: by.via,
    action: done.action,
    target: scrubSecrets(done.target),
    outcome: scrubSecrets(done.outcome),
  };
  ctx.logger.info(
    { audit: { ...entry, at: new Date(now).toISOString() } },
    `${entry.action} ${entry.target} by ${entry.who}`,
  );
  if (ctx.usage === undefined) return;
  try {
    await ctx.usage.audit(entry);
  } catch (err) {
    // The action is done; its record in the log above still says who.
    ctx.logger.error(
      { audit: { action: done.action, target: done.target } },
      `the audit could not be kept in the usage ledger: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** An action's target as the audit names it. */
export function targetOf(provider: string, id: string | undefined): string {
  return id === undefined ? provider : `${provider}/${id}`;
}
