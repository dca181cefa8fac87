// Where in a JSON body a secret stands, as a path (`messages[2].content[0].text`): read from the raw bytes only when
// the scanner found something, in one pass up to the last hit, so a clean body is never walked.
import { skipString } from '../providers/translate/json-scan.ts';

interface Frame {
  array: boolean;
  /** The array's current index, or the object's current key (bounded and printable). */
  index: number;
  key: string;
  expectKey: boolean;
}

/** A key as the path shows it: a caller's tool input may name anything, so only a short plain name is kept. */
function shownKey(raw: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(raw) ? raw : '*';
}

function pathOf(stack: readonly Frame[]): string {
  let out = '';
  for (const f of stack) out += f.array ? `[${f.index}]` : `${out === '' ? '' : '.'}${f.key}`;
  return out === '' ? '$' : out;
}

/** The end of the string whose opening quote is at `at` (the index of its closing quote). */
function stringEnd(bytes: Buffer, at: number): number {
  const end = skipString(bytes, at);
  return end < 0 ? bytes.length : end - 1;
}

/** The path of the JSON string holding each byte offset (sorted ascending); `$` for one outside any string. */
export function pathsAt(bytes: Buffer, offsets: readonly number[]): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  let next = 0;
  for (let i = 0; i < bytes.length && next < offsets.length; i++) {
    const c = bytes[i]!;
    const top = stack[stack.length - 1];
    if (c === 34) {
      const end = stringEnd(bytes, i);
      if (top !== undefined && !top.array && top.expectKey) {
        top.key = shownKey(bytes.toString('utf8', i + 1, end));
        top.expectKey = false;
      } else {
        while (next < offsets.length && offsets[next]! <= end) {
          out.push(pathOf(stack));
          next++;
        }
      }
      i = end;
    } else if (c === 123 || c === 91) stack.push({ array: c === 91, index: 0, key: '', expectKey: c === 123 });
    else if (c === 125 || c === 93) stack.pop();
    else if (c === 44 && top !== undefined) {
      if (top.array) top.index++;
      else top.expectKey = true;
    }
  }
  while (out.length < offsets.length) out.push('$');
  return out;
}

/** The message a path is in (`messages[2]…`, a Responses `input[2]…`), for a refusal that says which one. */
export function messageIndex(path: string): number | undefined {
  const m = /^(?:messages|input)\[(\d+)\]/.exec(path);
  return m === null ? undefined : Number(m[1]);
}
