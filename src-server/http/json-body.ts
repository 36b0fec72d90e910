import type { FastifyInstance } from 'fastify';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * No request of the contract nests deeper than this (a 補簽 item inside its list inside the body
 * is three) or holds more JSON values than this (a chunk of 補簽 items is a few hundred): anything
 * more is refused before JSON.parse builds it, so a body cannot hold the event loop.
 */
export const JSON_LIMITS = { depth: 8, values: 5_000 } as const;

/**
 * One pass over the bytes, outside strings: brackets for depth, brackets and commas for the number
 * of values. Linear, and over the raw UTF-8 (the structural characters are ASCII, never part of a
 * multi-byte sequence): a string read from the socket in chunks is a rope, slow to index.
 */
export function assertJsonShape(bytes: Uint8Array): void {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x22) {
      i = endOfString(bytes, i);
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++depth > JSON_LIMITS.depth) throw new GongwenError('MALFORMED_REQUEST', 'nested too deeply');
      if (++values > JSON_LIMITS.values) throw new GongwenError('MALFORMED_REQUEST', 'too many values');
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > JSON_LIMITS.values) throw new GongwenError('MALFORMED_REQUEST', 'too many values');
  }
}

/** The closing quote of the string opening at `open` (found natively: attachments are megabytes of string). */
function endOfString(bytes: Uint8Array, open: number): number {
  for (let at = open; ;) {
    at = bytes.indexOf(0x22, at + 1);
    if (at < 0) return bytes.length; // unterminated: JSON.parse refuses it
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * An empty body sent as JSON: accepted by the routes that take no body (many HTTP clients send
 * `Content-Type: application/json` with every request), refused by those that need one.
 */
export const EMPTY_JSON_BODY = Symbol('empty JSON body');

/** JSON bodies, checked for shape before they are parsed; `__proto__` keys are refused as Fastify does. */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) return done(null, EMPTY_JSON_BODY);
    try {
      assertJsonShape(bytes);
      done(
        null,
        JSON.parse(bytes.toString('utf8'), (key, value: unknown) => {
          if (key === '__proto__') throw new GongwenError('MALFORMED_REQUEST', 'a forbidden key');
          return value;
        }),
      );
    } catch (error) {
      done(error instanceof GongwenError ? error : new GongwenError('MALFORMED_REQUEST'), undefined);
    }
  });
}

/** Raw bytes for the routes that take a file (see RouteSpec.consumes); Fastify enforces the route's body limit as they arrive. */
export function registerBytesParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
