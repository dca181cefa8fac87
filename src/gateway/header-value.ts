// Response header values the gateway builds from what a caller sent (the route, which holds the request's model
// name). Node refuses a header value with a control or non-Latin-1 character, and would turn the answer — already
// paid for upstream — into a 500 the caller's SDK retries. Such a value goes percent-encoded (UTF-8) instead, `%`
// included, so `decodeURIComponent` of the header always gives the value back; a plain value costs one regex test.

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
