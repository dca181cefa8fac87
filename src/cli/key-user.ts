// A client key's end users on the command line: `--user-from` and `--user-hash` of `gateway keys create`, and what
// `gateway keys show` and `keys list` say about them (docs/security.md#end-users-behind-a-shared-key).
import { USER_HEADER, USER_SOURCES, type UserSource } from '../calls/end-user.ts';
import type { GatewayKeyRecord } from '../state/types.ts';
import { UserError } from '../user-error.ts';

export interface KeyUserOptions {
  userFrom?: string;
  userHash?: boolean;
}

/** The record's fields the options ask for; `--user-hash` alone is refused: there would be no user to hash. */
export function keyUserOf(opts: KeyUserOptions): Pick<GatewayKeyRecord, 'user_from' | 'user_hash'> {
  if (opts.userFrom === undefined) {
    if (opts.userHash === true)
      throw new UserError('--user-hash hashes the end user the key reads: give --user-from header, body or both too');
    return {};
  }
  const from = USER_SOURCES.find((s) => s === opts.userFrom);
  if (from === undefined)
    throw new UserError(
      `--user-from: expected header, body or both, got ${JSON.stringify(opts.userFrom)} (header: ${USER_HEADER}, set by a proxy you trust; body: what the client sends, OpenAI user/safety_identifier or Anthropic metadata.user_id)`,
    );
  return opts.userHash === true ? { user_from: from, user_hash: true } : { user_from: from };
}

const FROM_WORDS: Readonly<Record<UserSource, string>> = {
  header: `the ${USER_HEADER} header (a proxy you trust sets it); the body's is not read`,
  body: "the client's body (OpenAI safety_identifier or user, Anthropic metadata.user_id); the header is refused",
  both: `the ${USER_HEADER} header, else the client's body`,
};

/** One line on where the key reads its end users, for `keys show`. */
export function keyUserLine(k: GatewayKeyRecord): string {
  if (k.user_from === undefined) return `End users: none read (a request carrying ${USER_HEADER} is refused).`;
  return `End users: from ${FROM_WORDS[k.user_from]}${k.user_hash === true ? ', kept hashed (sha256:…)' : ''}.`;
}

/** The `USER` column of `keys list`. */
export function keyUserCell(k: GatewayKeyRecord): string {
  if (k.user_from === undefined) return '-';
  return k.user_hash === true ? `${k.user_from}, hashed` : k.user_from;
}
