// Errors raised before a request reaches a route, answered in an API's error shape instead of fastify's and node's
// own `{"error":"Bad Request","code":"FST_ERR_…"}` (which the SDKs cannot read: the OpenAI SDK expects `error` to
// be an object, Anthropic's a `type: "error"` envelope).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import { apiOf, sendApiError } from '../plugins/errors.ts';

/** fastify's `frameworkErrors`: a path that is not valid percent-encoding, a path parameter over its length limit. */
export function onFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message =
    err.code === 'FST_ERR_BAD_URL' ? 'the URL path is not valid (bad percent-encoding)' : 'the URL path is not valid';
  return sendApiError(reply, apiOf(req), new ApiError('invalid_request', message, { code: 'invalid_url' }));
}

interface ClientErrorRow {
  status: number;
  code: string;
  message: string;
}

/** node's error code → what the client is told (every one an `invalid_request_error`). */
const CLIENT_ERRORS: Readonly<Record<string, ClientErrorRow>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: 'the request headers are larger than the gateway accepts (16 KiB in all)',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request was not received in time' },
};

/** Any other code: the request could not be parsed. */
const MALFORMED: ClientErrorRow = { status: 400, code: 'malformed_http', message: 'the request is not valid HTTP' };

function clientErrorRow(code: string | undefined): ClientErrorRow {
  return code !== undefined && Object.hasOwn(CLIENT_ERRORS, code) ? CLIENT_ERRORS[code]! : MALFORMED;
}

/** node's `clientError`: the request could not be parsed, so its API is unknown and the body is both shapes at once. */
export function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const row = clientErrorRow(err.code);
  const body = JSON.stringify({
    type: 'error',
    error: { type: 'invalid_request_error', message: row.message, param: null, code: row.code },
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${row.status} ${STATUS_CODES[row.status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
