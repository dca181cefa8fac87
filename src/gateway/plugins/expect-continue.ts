// `Expect: 100-continue` (curl sends it for bodies over 1 MB; some SDK transports too): node answers "100 Continue"
// as soon as the headers arrive, so a caller about to be refused — no or a wrong key, its key's requests in flight
// at `gateway.max_in_flight_per_key`, a Content-Length over `gateway.body_limit` — would start uploading a body the
// gateway will not read. Here the 100 is sent when the body is about to be read (fastify's preParsing, after the
// key checks of onRequest), and not at all for a body over the limit; a caller refused before it gets the final
// answer instead, as RFC 9110 allows, on a connection that then closes (its body never came, so the next bytes on
// it could not be read as a request).
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/** Whether node meant to keep each such connection alive (the caller may have asked to close it): given back when the
 * body is asked for. */
const keepAlive = new WeakMap<ServerResponse, boolean>();

export function installExpectContinue(app: FastifyInstance, bodyLimit: number): void {
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // Until the body is asked for: a refusal closes the connection.
    keepAlive.set(res, res.shouldKeepAlive);
    res.shouldKeepAlive = false;
    app.server.emit('request', req, res);
  });
  // Callback style, and a header check that is false at once for the requests that do not ask (nearly all).
  app.addHook('preParsing', (req, reply, payload, done) => {
    const expect = req.headers.expect;
    if (expect !== undefined && CONTINUE.test(expect) && !reply.raw.headersSent && !overLimit(req.headers['content-length'], bodyLimit)) {
      reply.raw.shouldKeepAlive = keepAlive.get(reply.raw) ?? reply.raw.shouldKeepAlive;
      reply.raw.writeContinue();
    }
    done(null, payload);
  });
}

/** fastify answers 413 for this Content-Length before reading anything: no 100 for it. */
function overLimit(contentLength: string | undefined, limit: number): boolean {
  return contentLength !== undefined && Number(contentLength) > limit;
}
