import type { FastifyInstance } from 'fastify';
import { GongwenError } from '../../src-shared/errors.js';

/**
 * No request of the contract nests deeper than this (a 補簽 item inside its list inside the body
 * is three) or holds more JSON values than this (a chunk of 補簽 items is a few hundred): anything
 * more is refused before JSON.parse builds it, so a body cannot hold the event loop.
 */
export const JSON_LIMITS = { depth: 8, values: 5_000 } as const;

/**
 * One pass over the text, outside strings: brackets for depth, brackets and commas for the number
 * of values. Linear, a few milliseconds for the largest body a route takes.
 */
export function assertJsonShape(text: string): void {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > JSON_LIMITS.depth) throw new GongwenError('MALFORMED_REQUEST', 'nested too deeply');
      if (++values > JSON_LIMITS.values) throw new GongwenError('MALFORMED_REQUEST', 'too many values');
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > JSON_LIMITS.values) throw new GongwenError('MALFORMED_REQUEST', 'too many values');
  }
}

/** JSON bodies, checked for shape before they are parsed; `__proto__` keys are refused as Fastify does. */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(new GongwenError('MALFORMED_REQUEST', 'empty body'), undefined);
    try {
      assertJsonShape(text);
      done(null, JSON.parse(text, (key, value: unknown) => {
        if (key === '__proto__') throw new GongwenError('MALFORMED_REQUEST', 'a forbidden key');
        return value;
      }));
    } catch (error) {
      done(error instanceof GongwenError ? error : new GongwenError('MALFORMED_REQUEST'), undefined);
    }
  });
}
