// Response header values built from what a caller sent. Node throws on non-Latin-1 values, which would turn a paid
// answer into a 500, so such values go percent-encoded (`%` too, so decoding is always exact).

/** Anything but printable ASCII, and `%` (so an encoded value is never mistaken for a plain one). */
const NEEDS_ENCODING = /[^\x20-\x24\x26-\x7e]/;
const NEEDS_ENCODING_ALL = /[^\x20-\x24\x26-\x7e]+/g;

function percentEncode(chars: string): string {
  let out = '';
  // Buffer.from writes a lone surrogate as U+FFFD, where encodeURIComponent would throw.
  for (const byte of Buffer.from(chars, 'utf8')) out += `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  return out;
}

/** `value` as is when it is printable ASCII without `%`, else percent-encoded. */
export function headerValue(value: string): string {
  return NEEDS_ENCODING.test(value) ? value.replace(NEEDS_ENCODING_ALL, percentEncode) : value;
}
