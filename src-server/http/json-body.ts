import { createHash } from 'node:crypto';
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

/** A raw body as it arrived: its bytes, and their SHA-256 taken chunk by chunk as they came in. */
export class ReceivedBytes {
  constructor(
    readonly content: Buffer,
    readonly sha256: string,
  ) {}
}

/**
 * Raw bytes for the routes that take a file (see RouteSpec.consumes), read as they arrive: each
 * chunk is hashed on its way in, so a 5 MiB upload is never hashed in one step that holds the
 * event loop. The route's body limit holds as Fastify's own parsers hold it; a body cut off or
 * longer than its Content-Length is refused, and nothing of it reaches the route.
 */
export function registerBytesParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/octet-stream', (request, payload, done) => {
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 0;
    const declared = Number(request.headers['content-length']);
    if (declared > limit) return done(new GongwenError('PAYLOAD_TOO_LARGE'), undefined);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (error: Error | null, body?: ReceivedBytes) => {
      payload.off('data', onData).off('end', onEnd).off('error', stop);
      done(error, body);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) return stop(new GongwenError('PAYLOAD_TOO_LARGE'));
      hash.update(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (!Number.isNaN(declared) && received !== declared) return stop(new GongwenError('MALFORMED_REQUEST', 'the body is not as long as its Content-Length'));
      stop(null, new ReceivedBytes(Buffer.concat(chunks, received), hash.digest('hex')));
    };
    payload.on('data', onData).on('end', onEnd).on('error', stop);
  });
}
