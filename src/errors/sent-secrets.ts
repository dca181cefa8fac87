// The secrets a call sent, taken out of what an upstream says back, also where a provider echoes a key cut short or
// half-masked, whose last characters the key-shaped scrubber would wrongly keep.

const REDACTED = '[redacted]';

/** The shortest head of a secret taken for an echo of it: shorter ones are words as often as keys. */
const MIN_HEAD = 6;

/** What a provider puts where it hid part of a key: `****`, `•••`, `…`, `...`. */
const MASK_RUN = /(?:\*+|•+|…|\.{3,})[*•….]*/y;

/** What a provider shows of a key's end after its mask: the rest of the word. */
const SHOWN_END = /[A-Za-z0-9_-]*/y;

/** `text` with every sent secret taken out: whole, and as a head cut short or half-masked (see echoedHeads), which
 * become `[redacted]`; an end shown after a mask keeps no more than its last 4 characters (see shownEnds). */
export function redactSentSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  // A secret with a space in it (`Bearer X`) has its credential part among the secrets too (call-secrets.ts).
  for (const s of secrets) if (s.length > MIN_HEAD && !/\s/.test(s)) out = shownEnds(echoedHeads(out, s), s);
  return out;
}

/** Every head of `secret` in `text` that starts and ends a word and is longer than the secret's readable prefix, so
 * `sk-proj` alone or a header name is no echo. Linear in the text. */
function echoedHeads(text: string, secret: string): string {
  const shortest = Math.max(MIN_HEAD, readablePrefix(secret).length + 1);
  let out = '';
  let kept = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== secret[0] || (i > 0 && isAlnum(text.charCodeAt(i - 1)))) continue;
    let end = i;
    while (end < text.length && end - i < secret.length && text[end] === secret[end - i]) end++;
    if (end - i < shortest || (end < text.length && isAlnum(text.charCodeAt(end)))) continue;
    MASK_RUN.lastIndex = end;
    if (MASK_RUN.test(text)) {
      SHOWN_END.lastIndex = MASK_RUN.lastIndex;
      SHOWN_END.test(text);
      end = SHOWN_END.lastIndex;
    }
    out += `${text.slice(kept, i)}${REDACTED}`;
    kept = end;
    i = end - 1;
  }
  return kept === 0 ? text : out + text.slice(kept);
}

/** An end of `secret` longer than 4 characters shown right after a mask (`sk-****ijklwxyz`), cut to its last 4: what
 * our masked form shows (`sk-…wxyz`). */
function shownEnds(text: string, secret: string): string {
  return text.replace(
    /((?:\*|•|…|\.\.\.)[*•….]*)([A-Za-z0-9_-]{5,})(?![A-Za-z0-9])/g,
    (all, mask: string, end: string) => (secret.endsWith(end) ? `${mask}${end.slice(-4)}` : all),
  );
}

/** The words and separators a secret starts with that are not random (`sk-proj-`, `sk-ant-`, `custom-auth-SECRET-`):
 * letters, each followed by `-` or `_`. */
function readablePrefix(secret: string): string {
  return /^(?:[A-Za-z]+[-_])*/.exec(secret)?.[0] ?? '';
}

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
