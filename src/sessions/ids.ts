// Session ids: short enough to type (`switchyard chat --session 3f9c2a1b`), random enough never to collide in one
// user's history. Lookups accept any unique prefix.
import { randomBytes } from 'node:crypto';
import { UserError } from '../user-error.ts';
import type { SessionRecord, SessionStore } from '../state/types.ts';

export function newSessionId(): string {
  return randomBytes(4).toString('hex');
}

/** The session with this id or unique id prefix; a UserError naming the problem otherwise. */
export function findSession(store: SessionStore, idOrPrefix: string): SessionRecord {
  const exact = store.getSession(idOrPrefix);
  if (exact) return exact;
  // Ids are lower-case hex; `9BB7` copied from a screen in capitals is the same session.
  const wanted = idOrPrefix.toLowerCase();
  const matches = wanted.length > 0 ? store.listSessions().filter((s) => s.id.toLowerCase().startsWith(wanted)) : [];
  const [only] = matches;
  if (only && matches.length === 1) return only;
  if (matches.length > 1) {
    throw new UserError(`session id "${idOrPrefix}" is ambiguous: it matches ${matches.map((s) => s.id).join(', ')}`);
  }
  throw new UserError(`no session "${idOrPrefix}" — \`switchyard sessions list\` shows the sessions there are`);
}
