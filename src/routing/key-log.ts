// Logs keys as the ladder sets them aside and takes them back: a benched key nobody hears about cost hours in the
// seed reports. Rate limits at info, what needs a person at warn.
import { restedText, restingText } from '../credentials/health.ts';
import type { Logger } from '../log.ts';
import type { LadderEvent } from '../calls/types.ts';

/** `now`: the router's clock, so a time in a line is dated against the moment it is logged (see formatClock). */
export function keyLog(logger: Logger, now: () => number = Date.now): (event: LadderEvent) => void {
  return (event) => {
    if (event.type === 'cooldown') {
      const fields = {
        provider: event.provider,
        credential: event.masked,
        reason: event.reason,
        until: new Date(event.until).toISOString(),
        ...(event.region !== undefined ? { region: event.region } : {}),
      };
      const said = event.said !== undefined ? ` (${event.said})` : '';
      const where = event.region !== undefined ? ` in ${event.region}` : '';
      logger[event.reason === 'rate_limited' ? 'info' : 'warn'](
        fields,
        `${event.provider}: ${event.credential}${where} ${restingText(event.reason, event.until, now())}${said}`,
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
