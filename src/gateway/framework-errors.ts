// Errors raised before a request reaches a route, answered in an API's error shape instead of fastify's and node's
// own `{"error":"Bad Request","code":"FST_ERR_…"}` (which the SDKs cannot read: the OpenAI SDK expects `error` to
// be an object, Anthropic's a `type: "error"` envelope).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';
import { apiOf, sendApiError } from './plugins/errors.ts';

/** fastify's `frameworkErrors`: a path that is not valid percent-encoding, a path parameter over its length limit. */
export function onFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message =
    err.code === 'FST_ERR_BAD_URL' ? 'the URL path is not valid (bad percent-encoding)' : 'the URL path is not valid';
  return sendApiError(reply, apiOf(req), new ApiError('invalid_request', message, { code: 'invalid_url' }));
}

interface ClientErrorRow {
  status: number;
  type: string;
  code: string;
  message: string;
}

function clientErrorRow(code: string | undefined): ClientErrorRow {
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      type: 'invalid_request_error',
      code: 'headers_too_large',
      message: 'the request headers are larger than the gateway accepts (16 KiB in all)',
    };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return {
      status: 408,
      type: 'invalid_request_error',
      code: 'request_timeout',
      message: 'the request was not received in time',
    };
  return {
    status: 400,
    type: 'invalid_request_error',
    code: 'malformed_http',
    message: 'the request is not valid HTTP',
  };
}

/** node's `clientError`: the request could not be parsed, so its API is unknown and the body is both shapes at once. */
export function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const row = clientErrorRow(err.code);
  const body = JSON.stringify({
    type: 'error',
    error: { type: row.type, message: row.message, param: null, code: row.code },
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${row.status} ${STATUS_CODES[row.status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
