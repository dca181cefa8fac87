// `Expect: 100-continue`: the 100 is sent only once the body is read, so a caller refused by the key checks or the
// body limit never uploads. Hooked on `checkContinue` so only such requests pay for it.
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
