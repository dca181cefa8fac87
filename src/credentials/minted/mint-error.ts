// A mint that failed, said in the user's terms: which source, and what went wrong — the exit code, the timeout, the
// shape of the output, the token endpoint's error code — never the command's output, a token or a client secret.
import { errorMarker, hasMarker, markAs } from '../../error-marker.ts';

export type MintFailure =
  /** The command could not be started (not found, not executable). */
  | 'spawn'
  /** It exited with a code other than 0, or was killed by a signal. */
  | 'exit'
  /** It (or the token endpoint) took longer than its timeout. */
  | 'timeout'
  /** Its output (or the endpoint's answer) is not a token. */
  | 'format'
  /** The file could not be read. */
  | 'read'
  /** The token endpoint could not be reached. */
  | 'connection'
  /** The token endpoint refused the refresh token (invalid_grant): someone has to sign in again. */
  | 'invalid_grant'
  /** The token endpoint answered another error. */
  | 'refused'
  /** The request stopped waiting for a mint that is still running (`mint_wait`): not a failure of the source. */
  | 'wait';

const MARKER = errorMarker('MintError');

export class MintError extends Error {
  readonly failure: MintFailure;
  /** `command gcloud`, `oauth2 client app at login.example.com`. */
  readonly source: string;
  /** What went wrong, without the source (`message` is both): for a reader that says the source its own way. */
  readonly said: string;

  constructor(source: string, failure: MintFailure, message: string) {
    super(`${source}: ${message}`);
    this.name = 'MintError';
    this.source = source;
    this.said = message;
    this.failure = failure;
    markAs(this, MARKER);
  }

  static isInstance(value: unknown): value is MintError {
    return hasMarker(value, MARKER);
  }
}
