// A mistake the user can fix (bad config, bad CLI argument, missing file). The CLI prints its message without a
// stack trace and exits with its code (2 by default).
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly exitCode: number;
  /** Extra lines printed after the message (e.g. "did you mean …", a config excerpt). */
  readonly details: string[];

  constructor(message: string, options: { exitCode?: number; details?: string[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? 2;
    this.details = options.details ?? [];
  }

  static isInstance(value: unknown): value is UserError {
    return value instanceof Error && value.name === 'UserError';
  }
}
