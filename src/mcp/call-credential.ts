// Which of a server's credentials answered one `tools/call`. The SDK client is shared by every call to a server, so
// the fetch says it into the call's own async context rather than onto the upstream, where calls would overwrite it.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallCredential {
  /** The credential's label or masked key (never the secret). */
  label?: string;
}

const slot = new AsyncLocalStorage<CallCredential>();

/** Runs one call with a slot the fetch fills in (`noteAnsweredBy`). */
export function withCallCredential<T>(run: () => Promise<T>): { noted: CallCredential; result: Promise<T> } {
  const noted: CallCredential = {};
  return { noted, result: slot.run(noted, run) };
}

/** Called by the fetch once a server answered: the call in whose context it ran learns the credential. */
export function noteAnsweredBy(label: string | undefined): void {
  const noted = slot.getStore();
  if (noted !== undefined && label !== undefined) noted.label = label;
}
