// The end user a call is made for, behind a shared client key (docs/security.md#end-users-behind-a-shared-key): bounded and printable, so
// it can be a ledger column, a counter name and a dashboard filter, and hashed when its key says so, so an address
// or an account id need not be kept as it came.
import { hash } from 'node:crypto';
import { scrubSecrets } from '../log.ts';

/** Where a client key takes the end user from: the `x-switchyard-user` header (set by a trusted proxy), what the
 * client's body says (OpenAI `user`/`safety_identifier`, Anthropic `metadata.user_id`), or either (the header wins). */
export const USER_SOURCES = ['header', 'body', 'both'] as const;
export type UserSource = (typeof USER_SOURCES)[number];

/** The header a trusted proxy (or an MCP client) names the end user in. */
export const USER_HEADER = 'x-switchyard-user';

/** Long enough for Claude Code's `metadata.user_id` (user_…_account_…_session_…), short enough for a column. */
export const MAX_USER_LENGTH = 256;

/** Printable characters only: no control, format or unassigned code points (they would garble a table or a log). */
const PRINTABLE = /^[^\p{C}]+$/u;

/** Why `value` cannot be an end user, or undefined when it can. */
export function userProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_USER_LENGTH) return `is ${value.length} characters long, more than ${MAX_USER_LENGTH}`;
  if (!PRINTABLE.test(value)) return 'holds a control or other unprintable character';
  return undefined;
}

/** Marks a hashed user, so `usage --user` and a budget's `user:` can match the name an operator knows. */
export const HASHED_PREFIX = 'sha256:';

/** The first 16 hex characters (64 bits) of the user's sha256: enough to tell a team's users apart, and the same
 * on every replica and in every config that names the user. */
export function hashUser(user: string): string {
  return `${HASHED_PREFIX}${hash('sha256', user, 'hex').slice(0, 16)}`;
}

/** The user as the ledger keeps it: hashed when its key says so, and whenever it looks like an API key (a caller
 * that put its key in `user`), so no secret reaches the ledger, a counter or a log line. */
export function storedUser(user: string, hashed: boolean): string {
  return hashed || scrubSecrets(user) !== user ? hashUser(user) : user;
}

/** The forms a name an operator wrote (`usage --user alice`, a budget's `user: alice`) may be kept in: as it is, and
 * hashed by a key that hashes its users. */
export function userForms(user: string): [plain: string, hashed: string] {
  return [user, user.startsWith(HASHED_PREFIX) ? user : hashUser(user)];
}
