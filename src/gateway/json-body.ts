// The JSON body parser: fastify's own (secure-json-parse, with `__proto__` and `constructor.prototype` keys dropped),
// except that a body that does not parse is refused saying where. fastify 5's parser swallows JSON.parse's error and
// reports only "invalid JSON body", leaving a caller with a 40 KB conversation to find the broken quote alone.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from './api-error.ts';

/** Installs the parser for `application/json` (and its `; charset=…` forms). */
export function installJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, raw, done) => {
    // A compressed body would be read as text: refused, saying so, rather than parsed as garbage or taken as it is.
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
      return done(unsupportedEncoding(encoding), undefined);
    // parseAs 'string': always a string here (the type allows a Buffer for parseAs 'buffer').
    const body = raw as string;
    parse(req, body, (err: Error | null, value?: unknown) => {
      if (err !== null && (err as Partial<FastifyError>).code === 'FST_ERR_CTP_INVALID_JSON_BODY')
        return done(whereParseFails(body) ?? err, undefined);
      done(err, value);
    });
  });
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

/** JSON.parse's own error for a body already refused; a body that ends early says so, since it was likely cut by a
 * size cap or a proxy. */
function whereParseFails(text: string): SyntaxError | undefined {
  try {
    JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) return undefined;
    return endsEarly(err.message, text.length)
      ? new SyntaxError(`it ends before the JSON is complete (${text.length} characters)`)
      : err;
  }
  return undefined;
}
