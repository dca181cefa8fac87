// What the log says about keys as the ladder sets them aside and takes them back (a subscriber of the ladder's
// events, like the metrics). A benched key nobody hears about is what the seed reports cost hours, so every key set
// aside is logged when it happens, whichever its place in the order: a rate limit heals by itself (info); a quota,
// a suspect or a rejected key needs a person (warn). A key that answers again after that says so once (info); not
// after a rate limit, which comes and goes all day.
import { restedText, restingText } from '../credentials/health.ts';
import type { Logger } from '../log.ts';
import type { LadderEvent } from './types.ts';

/** `now`: the router's clock, so a time in a line is dated against the moment it is logged (see formatClock). */
export function keyLog(logger: Logger, now: () => number = Date.now): (event: LadderEvent) => void {
  return (event) => {
    if (event.type === 'cooldown') {
      const fields = {
        provider: event.provider,
        credential: event.masked,
        reason: event.reason,
        until: new Date(event.until).toISOString(),
      };
      const said = event.said !== undefined ? ` (${event.said})` : '';
      logger[event.reason === 'rate_limited' ? 'info' : 'warn'](
        fields,
        `${event.provider}: ${event.credential} ${restingText(event.reason, event.until, now())}${said}`,
      );
    } else if (event.type === 'recovered' && event.after !== 'rate_limited') {
      const fields = { provider: event.provider, credential: event.masked, after: event.after };
      logger.info(
        fields,
        `${event.provider}: ${event.credential} answers again (set aside: ${restedText(event.after)}); back in use`,
      );
    }
  };
}
