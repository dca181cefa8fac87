// Structured logs (pino) with redaction on. Secrets never reach a log line: known secret-bearing keys are
// redacted by path, and every line is scrubbed of any string that looks like an API key — but for paths of our own.
import { homedir } from 'node:os';
import { pino, type Logger, type DestinationStream } from 'pino';
import { isAscii, utf8Bytes, type BatchedDestination } from './log-destination.ts';

export type { Logger };

const REDACT_PATHS = [
  'apiKey',
  'api_key',
  'secret',
  'authorization',
  'Authorization',
  '*.apiKey',
  '*.api_key',
  '*.secret',
  '*.authorization',
  '*.Authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** Shapes of API keys: common and well-known vendor prefixes, each with a long body so model names such as
 * `xai-grok-beta` survive. Plain hex is left alone, so trace ids stay readable. */
const KEY_SHAPE_PREFIX = /\b(?:(?:sk|pk|rk|key|sy)[-_]|gsk_|xai-|hf_|ghp_|github_pat_|glpat-|pplx-|nvapi-|r8_|AIza)/;
/** Every run of key characters with a place a key may start in it, matched whole (a lookahead does not backtrack),
 * so each run is looked at once: the prefix is looked for from the run's start only. */
const KEY_RUN =
  /(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*?(?<![A-Za-z0-9_])(?:(?:sk|pk|rk|key|sy)[-_]|gsk_|xai-|hf_|ghp_|github_pat_|glpat-|pplx-|nvapi-|r8_|AIza))(?=([A-Za-z0-9_-]+))\1/g;
/** Where a key may start in a run: at its start or after a `-`; group 1 for the short prefixes, whose keys need a
 * body of 4 characters, the others 16. */
const KEY_START =
  /(?<![A-Za-z0-9_])(?:((?:sk|pk|rk|key|sy)[-_])|(?:gsk_|xai-|hf_|ghp_|github_pat_|glpat-|pplx-|nvapi-|r8_|AIza))/g;

/** A key a provider echoed half-masked (`sk-proj-abcd****wxyz`): the characters before the mask begin the key, so
 * only what follows the mask is kept, as mask() would show it. Matched whole from a run's start to stay linear. */
const KEY_ECHO = /(?<![A-Za-z0-9_-])(?=([A-Za-z0-9_-]+))\1(?:\*{2,}|•{2,}|…|\.{3,})[*•….]*([A-Za-z0-9_-]*)/g;
const KEY_PREFIX = /\b(?:(?:sk|pk|rk|key|sy)[-_]|gsk_|xai-|hf_|ghp_|github_pat_|glpat-|pplx-|nvapi-|r8_|AIza)/;

/** Whether a text holds a provider's mask at all: most do not, and this test (~0.1 µs on a 250-character log line,
 * measured, Node 24) costs a fraction of KEY_ECHO's scan. */
const MASK_MARK = /\*\*|•|…|\.\.\./;

/** A half-masked echo (KEY_ECHO) as mask() would show the key: what comes before the key's prefix in the run, then
 * the last 4 characters after the mask (`[redacted]` when there are none). Anything else is returned as it is. */
function maskEcho(echo: string, run: string, end: string): string {
  const prefix = KEY_PREFIX.exec(run);
  if (prefix === null) return echo;
  const shownHead = run.length - prefix.index - prefix[0].length;
  if (shownHead === 0 && end.length <= 4) return echo;
  return `${run.slice(0, prefix.index)}${end === '' ? '[redacted]' : `…${end.slice(-4)}`}`;
}

/** Replaces things shaped like API keys with a masked form, except in paths of our own (keepPathsUnder). Last line
 * of defence, not the first. */
export function scrubSecrets(text: string): string {
  const scrubbed = scrubKeyShapes(text);
  // Only a text that had something masked is looked at for our own paths: most have nothing to mask.
  return scrubbed === text || ownDirs.size === 0 ? scrubbed : scrubOutsideOwnPaths(text);
}

function scrubKeyShapes(text: string): string {
  const unechoed = MASK_MARK.test(text) ? text.replace(KEY_ECHO, maskEcho) : text;
  return KEY_SHAPE_PREFIX.test(unechoed) ? unechoed.replace(KEY_RUN, maskKeyInRun) : unechoed;
}

/** Directories of ours: a path under one is our file whatever its name looks like (`sk-proj-….yaml`), so it is not
 * masked into a path that does not exist. */
const ownDirs = new Set<string>();

/** Paths under `dir` (an absolute directory, not the root) are left as they are by scrubSecrets. */
export function keepPathsUnder(dir: string): void {
  const d = dir.replace(/\/+$/, '');
  if (d.startsWith('/') && d.length > 1) ownDirs.add(d);
}

keepPathsUnder(process.cwd());
keepPathsUnder(homedir());

/** Where a path ends in a message: at white space, a quote, or the punctuation around it (`file:3:7:`, `(…)`). */
const PATH_END = /[\s"'`,;:()<>[\]{}|]/;

/** `text` scrubbed piece by piece around our own paths, which are kept as written. A path counts when it starts at a
 * word's start with one of ownDirs followed by `/` or the path's end. */
function scrubOutsideOwnPaths(text: string): string {
  const kept: [number, number][] = [];
  for (const dir of ownDirs) {
    for (let at = text.indexOf(dir); at >= 0; at = text.indexOf(dir, at + 1)) {
      const after = text[at + dir.length];
      const before = text[at - 1];
      if (
        (after !== undefined && after !== '/' && !PATH_END.test(after)) ||
        (before !== undefined && /[\w.~/-]/.test(before))
      )
        continue;
      let end = at + dir.length;
      while (end < text.length && !PATH_END.test(text[end]!)) end++;
      kept.push([at, end]);
    }
  }
  if (kept.length === 0) return scrubKeyShapes(text);
  kept.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  for (const [start, end] of kept) {
    if (end <= from) continue;
    const s = Math.max(start, from);
    out += scrubKeyShapes(text.slice(from, s)) + text.slice(s, end);
    from = end;
  }
  return out + scrubKeyShapes(text.slice(from));
}

/** A run of key characters with its key masked to `…` and the last 4 characters, in linear time: the equivalent
 * single regex took over a second on a 12 KB run of `sk-sk-…`. */
function maskKeyInRun(run: string): string {
  const end = lastKeyEnd(run);
  if (end < 0) return run;
  KEY_START.lastIndex = 0;
  for (let m = KEY_START.exec(run); m !== null; m = KEY_START.exec(run)) {
    const body = end - 4 - (m.index + m[0].length);
    if (body >= (m[1] !== undefined ? 4 : 16)) return `${run.slice(0, m.index)}…${run.slice(end - 4)}`;
    if (body < 4) break;
  }
  return run;
}

/** Where the last key of a run can end: before a `-` or at the run's end, after 4 letters or digits; -1 if nowhere. */
function lastKeyEnd(run: string): number {
  for (let e = run.length; e >= 4; e--) {
    if (e < run.length && run[e] !== '-') continue;
    let alnum = 0;
    while (alnum < 4 && isKeyEndChar(run.charCodeAt(e - 1 - alnum))) alnum++;
    if (alnum === 4) return e;
  }
  return -1;
}

function isKeyEndChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** The level is the caller's (the gateway passes `gateway.log_level`); no environment variable overrides it. */
export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'switchyard',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        streamWrite: (line: string) => scrubSecrets(line),
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing: for library use without logging. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A value pre-rendered as JSON text, for values seen once (a request id): through the memo below they evicted the
 * repeated ones, costing ~10 µs a request. */
export interface RawJson {
  readonly json: string;
}

/** `text` as JSON text, scrubbed unless `trusted` (made by us in a form no key can take). */
export function rawJson(text: string, trusted: boolean): RawJson {
  return { json: jsonScalar(trusted ? text : scrubSecrets(text)) };
}

/** Any JSON value (a small array or object), rendered and scrubbed once: for a field of the line per request that is
 * not a scalar (the gateway's `upstream`, one entry per attempt). */
export function rawJsonValue(value: unknown): RawJson {
  return { json: scrubSecrets(JSON.stringify(value)) };
}

/** Scalar fields of a hot, fixed-shape log line. */
export type LineFields = Record<string, string | number | boolean | null | RawJson>;
export type LineWriter = (level: 'debug' | 'info' | 'warn', fields: LineFields, msg: string) => void;

interface PinoInternals {
  [key: symbol]: unknown;
}

/** Writes scalar-field lines as pino would, straight to its destination: pino's generic path cost ~13 µs a line on
 * the gateway's line per request. Falls back to the logger when the destination needs pino's metadata. */
export function lineWriter(logger: Logger): LineWriter {
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym] as (DestinationStream & PinoInternals) | undefined;
  const bindings = internals[pino.symbols.chindingsSym];
  if (stream === undefined || typeof bindings !== 'string' || stream[pino.symbols.needsMetadataGsym] === true) {
    return (level, fields, msg) => logger[level](plainFields(fields), msg);
  }
  const levels = logger.levels.values;
  // Our batched destination takes a line as its UTF-8 bytes: every text below is kept so, encoded once.
  const { writeBytes } = stream as Partial<Pick<BatchedDestination, 'writeBytes'>>;
  const form = writeBytes === undefined ? asText : utf8Bytes;
  const write = writeBytes === undefined ? (line: string) => stream.write(line) : writeBytes.bind(stream);
  const scrubbedBindings = form(scrubSecrets(bindings));
  // The scrubbed JSON text of the few repeated string values (route, model, key name): rendering them was a third of
  // the line's cost. Per-value scrubbing is as strict, since a key cannot span two values.
  const strings = new KeptTexts((value) => form(jsonScalar(scrubSecrets(value))));
  // Each field's `,"name":`: a template per field and line left two strings behind it, ~40% of the bytes a line
  // allocated.
  const prefixes = new KeptTexts((key) => form(`,${jsonScalar(key)}:`));
  // Pre-rendered values (RawJson): most are ASCII (a request id) and pass as they are; one that is not (an attempt's
  // masked key, `sk-…a1b2`) repeats request after request, so its bytes are kept.
  const raws = new KeptTexts(form);
  // The last one that was not, by identity: the same text object comes line after line (request-log.ts
  // loneUpstream), and its look for a non-ASCII character and its lookup by content were a tenth of a line.
  let lastRaw = { json: '', bytes: '' };
  const raw: TextForm =
    form === asText
      ? asText
      : (json) => {
          if (json === lastRaw.json) return lastRaw.bytes;
          if (isAscii(json)) return json;
          lastRaw = { json, bytes: raws.text(json) };
          return lastRaw.bytes;
        };
  const clock = { ms: -1, text: '' };
  return (level, fields, msg) => {
    if (!logger.isLevelEnabled(level)) return;
    const now = Date.now();
    // The time's text kept for its millisecond: a number this large is rendered through V8's runtime.
    if (now !== clock.ms) {
      clock.ms = now;
      clock.text = String(now);
    }
    let line = `{"level":${levels[level]},"time":${clock.text}${scrubbedBindings}`;
    for (const key in fields) {
      const value = fields[key];
      line += prefixes.text(key);
      line +=
        typeof value === 'string'
          ? strings.text(value)
          : value !== null && typeof value === 'object'
            ? raw(value.json)
            : jsonScalar(value);
    }
    write(`${line},"msg":${strings.text(msg)}}\n`);
  };
}

/** How the line writer keeps a text: as it is, or as its UTF-8 bytes (utf8Bytes). */
type TextForm = (text: string) => string;
const asText: TextForm = (text) => text;

/** The fields as plain values, for a logger that renders them itself. */
function plainFields(fields: LineFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    const value = fields[key];
    out[key] = value !== null && typeof value === 'object' ? (JSON.parse(value.json) as unknown) : value;
  }
  return out;
}

/** Texts the line writer renders once and keeps, by the value they are rendered from. Bounded (emptied when full):
 * some values come from requests. */
class KeptTexts {
  static readonly LIMIT = 512;
  readonly #texts = new Map<string, string>();
  readonly #render: (value: string) => string;

  constructor(render: (value: string) => string) {
    this.#render = render;
  }

  text(value: string): string {
    let text = this.#texts.get(value);
    if (text === undefined) {
      text = this.#render(value);
      if (this.#texts.size >= KeptTexts.LIMIT) this.#texts.clear();
      this.#texts.set(value, text);
    }
    return text;
  }
}

/** Characters a JSON string cannot hold as they are (surrogates: JSON.stringify decides whether one is lone). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON text of a scalar. Most strings need no escaping, and quoting them here spares a call into the runtime per
 * value (JSON.stringify). */
function jsonScalar(value: string | number | boolean | null | undefined): string {
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === 'number') return numberJson(value);
  return value === undefined ? 'null' : String(value);
}

/** The largest hundredths numberJson puts together itself: small integers, which V8 renders without its runtime. */
const HUNDREDTHS_MAX = 2 ** 30;

/** A number as JSON writes it. V8 renders a fraction through its runtime (~0.3 µs each); one of at most two decimals
 * (a line's milliseconds, rounded so) is put together from small integers instead: the same text, since such a number
 * prints as its decimal. */
export function numberJson(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (Number.isInteger(value)) return String(value);
  const hundredths = Math.round(value * 100);
  if (hundredths / 100 !== value || hundredths >= HUNDREDTHS_MAX || hundredths <= -HUNDREDTHS_MAX) return String(value);
  const sign = hundredths < 0 ? '-' : '';
  const abs = hundredths < 0 ? -hundredths : hundredths;
  const whole = Math.floor(abs / 100);
  const cents = abs - whole * 100;
  // Not an integer, so `cents` is not 0; a trailing zero is not written (3.5, not 3.50).
  return cents % 10 === 0 ? `${sign}${whole}.${cents / 10}` : `${sign}${whole}.${cents < 10 ? '0' : ''}${cents}`;
}
