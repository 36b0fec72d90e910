import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GongwenError, httpStatusOf, messageOf, type ErrorCode } from '../../src-shared/errors.js';

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
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) return error.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED_REQUEST';
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
