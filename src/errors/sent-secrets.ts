// The secrets a call sent (src/providers/call-secrets.ts), taken out of what an upstream says back: whole, and as
// providers echo a key they refuse — cut short (`…provided: sk-proj-abcdEF`, a body cut at its size limit) or
// half-masked (OpenAI: `sk-proj-abcd****wxyz`). The key-shaped scrubber (scrubSecrets in src/log.ts) would keep the
// last 4 characters of such a head as if they ended the key; they are its middle, which our own masked form
// (`sk-…wxyz`, src/credentials/mask.ts) never shows.

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

/**
 * Every head of `secret` in `text`, with the mask and the end a provider may have put after it. A head counts when
 * it starts a word, ends one (what follows is not a letter or digit: the key went on differently, so this is another
 * string that merely starts alike), and is longer than MIN_HEAD and than the secret's readable prefix: `custom-auth`
 * in a header named `X-Custom-Auth` is no echo of its value `custom-auth-SECRET-1234`, nor `sk-proj` of every
 * OpenAI project key. Linear: a character compared at each word start, more only where the secret begins.
 */
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
