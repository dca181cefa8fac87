// The guard over an answer that comes in pieces (a model echoing a secret it was shown): each piece is joined to the
// tail held back from the last, scanned, and given out up to where a secret could still be starting. The tail is
// bounded: a token's run of characters (at most HOLD_MAX), or an open private-key block until its END (at most
// BLOCK_HOLD_MAX).
import { scanSecrets, type SecretHit } from './scan.ts';
import { redactHits } from './redact.ts';

/** The longest run held back at the end of what came: longer than any token the rules know (a GitHub fine-grained
 * PAT is 93 characters, an OpenAI project key ~170). */
export const HOLD_MAX = 512;
/** An open `-----BEGIN … PRIVATE KEY-----` is held until its END, up to this many characters (RSA 4096 is ~3.3 KB). */
export const BLOCK_HOLD_MAX = 8192;

/** Characters a token is made of: a run of them at the end may be the start of one. */
const TOKEN_CHAR = /[A-Za-z0-9_\-+/=.]/;
/** A block's END line, whole. */
const BLOCK_END = /-----END[ A-Z0-9_-]{0,40}-----/;
/** A keyword and what may stand between it and its value, at the end of a piece. */
const ASSIGNMENT_END = /(?:pass(?:word|wd)|pwd|secret|token|api_?key|access_?key|private_key(?:_id)?)[\s"'=:\\]{0,8}$/i;

export interface WindowOut {
  /** What may go to the caller now, redacted. */
  text: string;
  hits: SecretHit[];
}

export class StreamWindow {
  private tail = '';

  /** The next piece: what may go out now (its secrets redacted when `redact`). */
  push(piece: string, redact: boolean): WindowOut {
    const text = this.tail + piece;
    let cut = text.length - this.held(text);
    const hits = scanSecrets(text);
    // A secret reaching into the held tail may go on in the next piece: held whole, from its start.
    for (const h of hits) if (h.end > cut) cut = Math.min(cut, h.start);
    const out = hits.filter((h) => h.end <= cut);
    this.tail = text.slice(cut);
    const head = text.slice(0, cut);
    return { text: redact ? redactHits(head, out) : head, hits: out };
  }

  /** The end of the block: what was held, its secrets redacted. */
  flush(redact: boolean): WindowOut {
    const text = this.tail;
    this.tail = '';
    const hits = scanSecrets(text);
    return { text: redact ? redactHits(text, hits) : text, hits };
  }

  /** How much of the end of `text` to hold back. */
  private held(text: string): number {
    const block = text.lastIndexOf('-----BEGIN');
    if (block >= 0 && text.length - block <= BLOCK_HOLD_MAX && !BLOCK_END.test(text.slice(block)))
      return text.length - block;
    let n = 0;
    while (n < HOLD_MAX && n < text.length && TOKEN_CHAR.test(text[text.length - 1 - n]!)) n++;
    // `password = ` at the very end: its value is in the next piece, so the key is held with it.
    const before = text.slice(Math.max(0, text.length - n - 40), text.length - n);
    const assignment = ASSIGNMENT_END.exec(before);
    if (assignment !== null) n += before.length - assignment.index;
    return Math.min(n, text.length);
  }
}
