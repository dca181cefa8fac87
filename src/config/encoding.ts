// Config and .env files must be UTF-8. Read as bytes and checked, because Node's lenient decoding turns a UTF-16
// file into `unknown key '��providers'` and a stray Latin-1 byte in a key into U+FFFD without a word.

export type Decoded = { ok: true; text: string } | { ok: false; why: string };

const STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The UTF-16 byte-order marks, and NUL bytes (UTF-16 without a BOM: every ASCII character is followed by 0). */
function utf16Hint(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'it starts with a UTF-16 (little-endian) byte-order mark, FF FE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'it starts with a UTF-16 (big-endian) byte-order mark, FE FF';
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `it contains NUL bytes (first at line ${lineOf(bytes, nul)}): probably UTF-16`;
  return undefined;
}

function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The 1-based lines that are not valid UTF-8. */
export function invalidUtf8Lines(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      STRICT.decode(bytes.subarray(start, i));
    } catch {
      out.push(line);
    }
    start = i + 1;
    line++;
  }
  return out;
}

/** Strict UTF-8 (a UTF-8 BOM is dropped); otherwise why not, with the line of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  const utf16 = utf16Hint(bytes);
  if (utf16) return { ok: false, why: utf16 };
  try {
    return { ok: true, text: STRICT.decode(bytes) };
  } catch {
    const lines = invalidUtf8Lines(bytes);
    return { ok: false, why: `invalid UTF-8 bytes at line ${lines.join(', ')} (Latin-1 or another legacy encoding?)` };
  }
}

export { utf16Hint };
