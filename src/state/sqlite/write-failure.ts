// A write the state file refused, in words. A full disk (SQLITE_FULL) is named as such: it is the operator's to fix,
// and a gateway keeps serving meanwhile (credential health stays in memory), so it is "degraded", not "broken".
import { UserError } from '../../user-error.ts';

export interface WriteFailure {
  diskFull: boolean;
  message: string;
}

const SQLITE_FULL = 13;

function sqliteCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

export function writeFailure(err: unknown): WriteFailure {
  const raw = err instanceof Error ? err.message : String(err);
  if (sqliteCode(err) === SQLITE_FULL) return { diskFull: true, message: `disk full (${raw})` };
  return { diskFull: false, message: raw };
}

/** The error a command gets when a write it asked for is refused by SQLite: said as the state store's, not as an
 * internal error. Anything else is passed on as it is. */
export function refusedWrite(err: unknown, location: string): unknown {
  if (UserError.isInstance(err) || sqliteCode(err) === undefined) return err;
  const failure = writeFailure(err);
  return new UserError(`could not write to the state store ${location}: ${failure.message}`, {
    exitCode: 1,
    kind: 'state',
    details: failure.diskFull ? ['free space on the disk that holds it, then try again'] : [],
    cause: err,
  });
}
