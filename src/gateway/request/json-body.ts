// The JSON body parser. The body is read as bytes (body-bytes.ts: a body in one chunk kept as it came) and parsed once
// by JSON.parse: no whole-body `__proto__` / `constructor` regex scans (JSON.parse makes such a key an own property,
// never a prototype; the few places that copy a caller's keys into an object of ours use `setKey`,
// providers/translate/obj.ts). The bytes are kept beside the parsed body (`bodyBytes`), so a same-shape route can be
// sent the caller's own bytes (providers/translate/splice.ts). A chat request's messages parsed from the same bytes on
// an earlier turn are that turn's values, frozen (providers/translate/parsed-spans.ts). A body that does not parse is
// refused saying where: fastify 5's own parser reports only "invalid JSON body", leaving a caller with a 40 KB
// conversation to find the broken quote alone.
import type { Readable } from 'node:stream';
import { errorCodes, type FastifyInstance } from 'fastify';
import type { GatewayRequest } from './exchange.ts';
import { gatherBody } from './body-bytes.ts';
import { holdBody } from '../../providers/body-memory.ts';
import { ApiError } from '../answer/api-error.ts';
import { guardRequestBytes } from './guard-request.ts';
import { isChatRequest } from './chat-paths.ts';
import { parseJsonBytes, type ParsedBytes } from '../../providers/translate/json-pieces.ts';
import { forgetParsed } from '../../providers/translate/parsed-spans.ts';
import type { ByteSpan, Members, SpanRuns } from '../../providers/translate/json-scan.ts';

/** What was read with a parsed body: its bytes as they came (as the guard left them), its top-level members when the
 * parse found them (null: a key came twice), and where each element of its arrays is when it was parsed in pieces. */
export interface BodyRead {
  bytes: Buffer;
  members: Members | null | undefined;
  elements: readonly ByteSpan[] | undefined;
}

/** Kept on the parsed body itself, so it goes with the request: WeakMaps keyed by the body cost ~0.5 µs a request
 * each, in their sets and in the scavenger's passes over their entries (bench/README.md, "WeakMaps per request").
 * Not enumerable, so no spread or copy of the body carries it, and no reader of its keys sees it. */
const READ = Symbol('switchyard.bodyRead');

/** What was read with `body`, when it was parsed here (a JSON object or array). */
export function bodyRead(body: unknown): BodyRead | undefined {
  return typeof body === 'object' && body !== null ? (body as { [READ]?: BodyRead })[READ] : undefined;
}

/** The bytes a body parsed here was read from, if it was. */
export function bodyBytes(body: unknown): Buffer | undefined {
  return bodyRead(body)?.bytes;
}

/** Installs the parser for `application/json` (and its `; charset=…` forms), refusing a body over `bodyLimit` bytes
 * (the server's: no route sets its own, and `req.routeOptions` builds an object of thirteen fields on every read). */
export function installJsonBody(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (req, payload, done) => readJsonBody(req, payload, bodyLimit, done));
}

/** Reads and parses a JSON request body (fastify's parser, and the chat lane's: server/chat-lane.ts). */
export function readJsonBody(
  req: GatewayRequest,
  payload: Readable,
  bodyLimit: number,
  done: (err: Error | null, body: unknown) => void,
): void {
  // A compressed body would be read as text: refused, saying so, rather than parsed as garbage or taken as it is.
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    return done(unsupportedEncoding(encoding), undefined);
  gatherBody(payload, bodyLimit, Number(req.headers['content-length']), (err, bytes) => {
    if (err !== null) return done(err, undefined);
    // The secrets guard reads the bytes first: what is parsed is its bytes (redacted), or its refusal is the answer.
    try {
      // A chat request's messages are read, never changed, by every reader: shared with the next turn's.
      const share = isChatRequest(req);
      // Given back once the request is over (records/request-end.ts), not left for a full collection.
      if (share) holdBody(bytes);
      done(
        null,
        parseBody(bytes, (b, spans, runs) => guardRequestBytes(req, b, spans, runs), share),
      );
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

/** The secrets guard, given a body's bytes and, when it was parsed first, the spans of its arrays' elements: the
 * bytes to parse (redacted, or the same Buffer), or its refusal. */
export type BodyGuard = (bytes: Buffer, spans?: readonly ByteSpan[], runs?: SpanRuns) => Buffer | ApiError;

/** The parsed body, its bytes remembered (as the guard left them); a refusal saying where when it does not parse,
 * or the guard's. The body is never made one string (providers/translate/json-pieces.ts). It is parsed before it is
 * guarded, so the guard can skip the messages it saw clean on an earlier turn; parsed again only when redacted. A
 * body that does not parse is guarded first, so no error echoes a secret the guard would have taken out. */
export function parseBody(body: Buffer, guard?: BodyGuard, share = false): unknown {
  if (body.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  // A UTF-8 byte-order mark is no part of the JSON (fastify's own parser drops it too): the bytes kept, and any sent
  // on as they came, start after it.
  const raw = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
  if (guard === undefined) return remembered(raw, parseOrSay(raw, share));
  let parsed: ParsedBytes | undefined;
  try {
    parsed = parseJsonBytes(raw, { share });
  } catch {
    parsed = undefined;
  }
  const guarded = guard(raw, parsed?.elements, parsed?.runs);
  // A body the guard refused or redacted holds a secret: none of its messages is kept for the next turn.
  if (guarded !== raw && parsed?.elements !== undefined) forgetParsed(parsed.elements);
  if (guarded instanceof ApiError) throw guarded;
  // A redacted body is what goes upstream.
  if (guarded !== raw || parsed === undefined) parsed = parseOrSay(guarded, share);
  return remembered(guarded, parsed);
}

function parseOrSay(bytes: Buffer, share: boolean): ParsedBytes {
  try {
    return parseJsonBytes(bytes, { share });
  } catch (err) {
    throw err instanceof SyntaxError ? whereParseFails(err, bytes) : err;
  }
}

/** The body, its bytes and top-level members kept for a same-shape route. */
function remembered(bytes: Buffer, parsed: ParsedBytes): unknown {
  const body = parsed.value;
  if (typeof body === 'object' && body !== null) {
    const read: BodyRead = { bytes, members: parsed.members, elements: parsed.elements };
    Object.defineProperty(body, READ, { value: read });
  }
  return body;
}

function unsupportedEncoding(encoding: string): ApiError {
  return new ApiError(
    'unsupported_media',
    `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported: send the request body uncompressed`,
    { code: 'unsupported_content_encoding' },
  );
}

/** Whether JSON.parse stopped at the end of the text: "Unexpected end of JSON input", or a position at its end
 * ("Expected ',' or '}' after property value in JSON at position 15" for `{"model":"main"`). */
function endsEarly(message: string, length: number): boolean {
  if (message === 'Unexpected end of JSON input') return true;
  const at = / at position (\d+)/.exec(message);
  return at !== null && Number(at[1]) >= length;
}

/** JSON.parse's own error, saying where; a body that ends early says so, since it was likely cut by a size cap or a
 * proxy. */
function whereParseFails(err: SyntaxError, bytes: Buffer): SyntaxError {
  // A UTF-8 byte-order mark is taken off before parsing (as fastify's own parser does): not counted.
  const length = bytes.toString('utf8').replace(/^\uFEFF/, '').length;
  return endsEarly(err.message, length)
    ? new SyntaxError(`it ends before the JSON is complete (${length} characters)`)
    : err;
}
