// Title text rules (docs/chat.md): the instant title derived from the first user message, and the cleaning of a title
// that a model generated (models like to add quotes, a "Title:" prefix or a full stop).

/** How many words of the first message make the instant title: enough to recognise the chat in a list. */
export const DERIVED_TITLE_WORDS = 7;
/** Longest title we keep, derived or generated, so `sessions list` stays one line per session. */
export const MAX_TITLE_CHARS = 60;
export const EMPTY_TITLE = 'New chat';

const TRAILING_PUNCTUATION = /[\s.,;:!?…\-–—'"`)\]]+$/u;
const LEADING_NOISE = /^[\s#>*_`"'“”‘’([-]+/u;

/** The instant title: the first words of the first user message, trimmed, without trailing punctuation. */
export function deriveTitle(firstUserMessage: string): string {
  const words = firstUserMessage
    .replace(/\s+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
  const title = tidy(words.slice(0, DERIVED_TITLE_WORDS).join(' '));
  return title.length > 0 ? title : EMPTY_TITLE;
}

/** The model's reply reduced to a title line, or undefined when nothing usable came back. */
export function cleanGeneratedTitle(reply: string): string | undefined {
  const line = reply
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (line === undefined) return undefined;
  const title = tidy(line.replace(/^\**\s*title\s*:\s*/iu, ''));
  return title.length > 0 ? title : undefined;
}

/** A title the user typed: only whitespace is normalised, their punctuation is theirs. */
export function cleanUserTitle(text: string): string | undefined {
  const title = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return title.length > 0 ? title : undefined;
}

function tidy(text: string): string {
  let t = text.replace(/\s+/g, ' ').replace(LEADING_NOISE, '').replace(TRAILING_PUNCTUATION, '');
  if (t.length > MAX_TITLE_CHARS) {
    const cut = t.slice(0, MAX_TITLE_CHARS);
    const lastSpace = cut.lastIndexOf(' ');
    t = (lastSpace > MAX_TITLE_CHARS / 2 ? cut.slice(0, lastSpace) : cut).replace(TRAILING_PUNCTUATION, '');
  }
  return t;
}
