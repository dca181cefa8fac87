// Gemini's tool calls have no id the caller can echo back, and a thinking model's call carries a `thoughtSignature`
// that must come back with it on the next turn (or Gemini 3 refuses the request). Both travel in the id we make for
// the call: every client shape returns a tool call's id with its result, so the signature survives any client.
import { randomBytes } from 'node:crypto';

const SIGNATURE_MARK = '__ts_';

/** base64 → base64url, so the id stays within the characters every API takes in an id (`[A-Za-z0-9_-]`). */
const toUrl = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromUrl = (b64url: string): string => {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  return b64 + '='.repeat((4 - (b64.length % 4)) % 4);
};

/** A new id for a Gemini function call (`call_…`), carrying its thought signature when it has one. */
export function geminiToolCallId(signature: string | undefined): string {
  const id = `call_${randomBytes(9).toString('base64url')}`;
  return signature === undefined || signature === '' ? id : `${id}${SIGNATURE_MARK}${toUrl(signature)}`;
}

/** The thought signature an id carries, as Gemini wrote it (base64), if any. */
export function signatureOfId(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  return at < 0 ? undefined : fromUrl(id.slice(at + SIGNATURE_MARK.length));
}
