// What the minter did, in the log (never a token): a mint at debug (one an hour per source is routine), a failed mint
// as a warning naming the source and why, a rotated refresh token that could not be stored as an error (until it is,
// only this process can mint again).
import type { Logger } from '../log.ts';
import type { MintEvent } from '../credentials/minted/minter.ts';

export function mintLog(logger: Logger): (event: MintEvent) => void {
  return (event) => {
    const { provider, describe: source, where } = event.source;
    if (event.type === 'minted') {
      const expires = event.expiresAt !== undefined ? { expires_at: new Date(event.expiresAt).toISOString() } : {};
      logger.debug({ provider, source, why: event.why, ...expires }, `minted a token for ${provider} from ${source}`);
    } else if (event.type === 'mint_failed') {
      logger.warn(
        { provider, source, setting: where, failure: event.error.failure },
        `could not mint a token for ${provider}: ${event.error.message}`,
      );
    } else {
      logger.error(
        { provider, source },
        `${provider}: the refresh token ${source} rotated could not be kept in the state store (${event.message}); this process keeps it, and other processes cannot mint until it is stored`,
      );
    }
  };
}
