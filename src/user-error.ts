// A mistake the user can fix (bad config, bad CLI argument, missing file). The CLI prints its message without a
// stack trace and exits with its code (2 by default).
import { errorMarker, hasMarker, markAs } from './error-marker.ts';
export type UserErrorKind = 'config' | 'state';

const MARKER = errorMarker('UserError');

export class UserError extends Error {
  override readonly name = 'UserError';
  readonly exitCode: number;
  /** Extra lines printed after the message (e.g. "did you mean …", a config excerpt). */
  readonly details: string[];
  /** What sort of mistake, for outputs that name it (`chat -m --json`'s `kind`): `config` (a usage or configuration
   * mistake, exit 2) unless said otherwise; `state`: the state store could not be opened or written (exit 1). */
  readonly kind: UserErrorKind;

  constructor(
    message: string,
    options: { exitCode?: number; details?: string[]; cause?: unknown; kind?: UserErrorKind } = {},
  ) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? 2;
    this.details = options.details ?? [];
    this.kind = options.kind ?? 'config';
    markAs(this, MARKER);
  }

  static isInstance(value: unknown): value is UserError {
    return hasMarker(value, MARKER);
  }
}
