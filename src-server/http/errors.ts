import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GongwenError, httpStatusOf, messageOf, type ErrorCode, type ServiceErrorCode } from '../../src-shared/common/errors.js';

/** The language of error sentences: English when the client asks for it, zh-TW otherwise. */
export function languageOf(request: FastifyRequest): 'zh-TW' | 'en' {
  return /^en\b/i.test(request.headers['accept-language'] ?? '') ? 'en' : 'zh-TW';
}

/** Fastify's own errors (body parsing, size) in the project's codes. */
function codeOfFrameworkError(error: FastifyError): ErrorCode | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'MALFORMED_REQUEST';
  }
  if (error instanceof SyntaxError) return 'MALFORMED_REQUEST';
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    return error.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED_REQUEST';
  return null;
}

export function handleError(error: FastifyError | GongwenError | Error, request: FastifyRequest, reply: FastifyReply) {
  const language = languageOf(request);
  if (error instanceof GongwenError) return reply.code(httpStatusOf(error.code)).send(error.toBody(language));
  const code = codeOfFrameworkError(error as FastifyError);
  if (code) return reply.code(httpStatusOf(code)).send({ code, message: messageOf(code, language) });
  request.log.error({ err: error }, 'unexpected error');
  return reply.code(500).send({ code: 'INTERNAL', message: messageOf('INTERNAL', language) });
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({ code: 'NOT_FOUND', message: messageOf('NOT_FOUND', languageOf(request)) });
}

/**
 * Errors from Fastify's router before a route runs (a path whose percent-encoding is broken, …):
 * the contract's shape, and the path is not echoed.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const code: ServiceErrorCode = error.code === 'FST_ERR_ASYNC_CONSTRAINT' ? 'INTERNAL' : 'MALFORMED_REQUEST';
  if (code === 'INTERNAL') request.log.error({ err: error }, 'router error');
  return reply.code(httpStatusOf(code)).send({ code, message: messageOf(code, languageOf(request)) });
}

/**
 * Errors Node's HTTP parser finds before there is a request at all (headers or URL too long, a NUL
 * or bare CR in a header, Content-Length beside Transfer-Encoding, a request too slow to arrive):
 * answered on the socket in the contract's shape, in zh-TW (no header was read to choose by), and
 * the connection closed. Nothing of the request is echoed.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ServiceErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : 'MALFORMED_REQUEST';
  const status = httpStatusOf(code);
  const body = JSON.stringify({ code, message: messageOf(code) });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  lingerThenClose(socket);
}

/** How long, and how many bytes, a refused client may still send while it reads the answer. */
const LINGER = { ms: 2_000, bytes: 1024 * 1024 };

/**
 * A lingering close, as nginx does it: the parser stops at the first bad byte while the client may
 * still be sending (the rest of a 100 KB URL), and a socket closed with bytes unread resets the
 * connection, which can throw away the answer before the client reads it (Node 24 closes fast
 * enough that it always did). So what still arrives is read and dropped, within a time and a size,
 * and the socket closed when the client is done or either runs out.
 */
function lingerThenClose(socket: Socket): void {
  let dropped = 0;
  const close = () => socket.destroy();
  const timer = setTimeout(close, LINGER.ms);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER.bytes) close();
  });
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}
