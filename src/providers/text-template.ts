// Most chunks of a streamed answer are one text piece in the same JSON: the same id, model and block index each
// time, only the text differs. Once such a chunk has been parsed whole and found plain (nothing but its text), the
// chunks after it that are byte for byte the same around their text are read without JSON.parse: the parse cost a
// tenth of the gateway's instructions per chunk. Anything else (an error, a finish, usage, a new field, another
// block) differs around the text and is parsed whole, as before. One field after the text may vary from chunk to
// chunk: OpenAI's `obfuscation`, random padding of a few letters and digits that means nothing to us.

/** The plain text chunks of one stream, learnt from one parsed whole. */
export class TextTemplate {
  /** Where the text's JSON string starts: `"content":"` for OpenAI, `"text":"` for Anthropic. */
  readonly #key: string;
  /** Where a padding string after the text starts (`"obfuscation":"`), if the shape has one. */
  readonly #padding: string | undefined;
  #prefix: string | undefined;
  /** What follows the text: all of it, or up to the padding's value. */
  #after = '';
  /** What follows the padding's value, when the learnt chunk had one. */
  #tail: string | undefined;
  /** Chunks matched since the last learn, and templates learnt that matched none: a stream whose chunks differ
   * around their text in some other way would otherwise be learnt again on every chunk. */
  #matched = 0;
  #fruitless = 0;

  constructor(key: string, padding?: string) {
    this.#key = key;
    this.#padding = padding;
  }

  /** The text of `data` when it is the learnt chunk with another text; undefined when it must be parsed. */
  match(data: string): string | undefined {
    const prefix = this.#prefix;
    // Sliced and compared: faster than startsWith and endsWith here.
    if (prefix === undefined || data.slice(0, prefix.length) !== prefix) return undefined;
    const end = closingQuote(data, prefix.length);
    if (end < 0 || !this.#endsAsLearnt(data, end + 1)) return undefined;
    const raw = data.slice(prefix.length, end);
    this.#matched++;
    this.#fruitless = 0;
    if (!NEEDS_DECODING.test(raw)) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return undefined; // not a JSON string: the whole parse says what is wrong
    }
  }

  /** Whether `data` from `from` on is what followed the learnt text, the padding's value aside. */
  #endsAsLearnt(data: string, from: number): boolean {
    const after = this.#after;
    const tail = this.#tail;
    if (tail === undefined) return data.length - from === after.length && data.slice(from) === after;
    const pad = from + after.length;
    if (data.slice(from, pad) !== after) return false;
    const close = data.indexOf('"', pad);
    return (
      close >= 0 &&
      PADDING.test(data.slice(pad, close)) &&
      data.length - close - 1 === tail.length &&
      data.slice(close + 1) === tail
    );
  }

  /** `data` was parsed whole and holds nothing but `text` (the caller checked): chunks like it are matched from now,
   * and true. Not learnt (false) when the key is not found exactly once, or its string is not `text`. */
  learn(data: string, text: string): boolean {
    if (this.#fruitless >= GIVE_UP_AFTER) return false;
    if (this.#prefix !== undefined && this.#matched === 0 && ++this.#fruitless >= GIVE_UP_AFTER) {
      this.#prefix = undefined;
      return false;
    }
    const at = data.indexOf(this.#key);
    if (at < 0 || data.indexOf(this.#key, at + 1) >= 0) return false;
    const start = at + this.#key.length;
    const end = closingQuote(data, start);
    if (end < 0) return false;
    try {
      if (JSON.parse(`"${data.slice(start, end)}"`) !== text) return false;
    } catch {
      return false;
    }
    this.#prefix = data.slice(0, start);
    this.#learnAfter(data.slice(end + 1));
    this.#matched = 0;
    return true;
  }

  /** What follows the text, split around the padding's value when there is one. */
  #learnAfter(suffix: string): void {
    this.#after = suffix;
    this.#tail = undefined;
    const padding = this.#padding;
    if (padding === undefined) return;
    const at = suffix.indexOf(padding);
    if (at < 0 || suffix.indexOf(padding, at + 1) >= 0) return;
    const pad = at + padding.length;
    const close = suffix.indexOf('"', pad);
    if (close < 0 || !PADDING.test(suffix.slice(pad, close))) return;
    this.#after = suffix.slice(0, pad);
    this.#tail = suffix.slice(close + 1);
  }
}

/** Templates learnt in a row that matched no chunk, after which a stream is parsed whole to its end. */
const GIVE_UP_AFTER = 4;

/** An escape, or a control character JSON forbids in a string (so the parse can refuse it). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_DECODING = /[\\\u0000-\u001f]/;

/** A padding value: letters, digits, `-` and `_`, nothing to unescape. */
const PADDING = /^[\w-]*$/;

/** The index of the quote that closes the JSON string starting at `from`, or -1. */
function closingQuote(data: string, from: number): number {
  for (let i = data.indexOf('"', from); i >= 0; i = data.indexOf('"', i + 1)) {
    let slashes = 0;
    while (data.charCodeAt(i - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return i;
  }
  return -1;
}
