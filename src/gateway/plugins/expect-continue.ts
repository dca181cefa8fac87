// `Expect: 100-continue` (curl sends it for bodies over 1 MB; some SDK transports too): node answers "100 Continue"
// as soon as the headers arrive, so a caller about to be refused — no or a wrong key, its key's requests in flight
// at `gateway.max_in_flight_per_key`, a Content-Length over `gateway.body_limit` — would start uploading a body the
// gateway will not read. Here the 100 is sent when the body starts being read (after the key checks of onRequest),
// and not at all for a body over the limit; a caller refused before it gets the final answer instead, as RFC 9110
// allows, on a connection that then closes (its body never came, so the next bytes on it could not be read as a
// request).
//
// Only such requests pay for this: node hands them to `checkContinue` instead of `request`, and the 100 is sent on
// the request stream's `resume`, which fastify's body reader triggers. A preParsing hook did the same, but every
// request ran it (~6 µs a request under load, measured), for the rare one that asks.
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function installExpectContinue(app: FastifyInstance, bodyLimit: number): void {
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // Until the body is asked for: a refusal closes the connection.
    const keepAlive = res.shouldKeepAlive;
    res.shouldKeepAlive = false;
    // `resume` also follows node's own draining of an unread body once an answer went out: headersSent says so.
    req.once('resume', () => {
      if (res.headersSent || overLimit(req.headers['content-length'], bodyLimit)) return;
      res.shouldKeepAlive = keepAlive;
      res.writeContinue();
    });
    app.server.emit('request', req, res);
  });
}

/** fastify answers 413 for this Content-Length before reading anything: no 100 for it. */
function overLimit(contentLength: string | undefined, limit: number): boolean {
  return contentLength !== undefined && Number(contentLength) > limit;
}
