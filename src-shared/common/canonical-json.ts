import canonicalizeModule from 'canonicalize';

// `canonicalize` is CommonJS with an ES-module style declaration; under Node's ES modules the
// default import is the function itself, which the declaration does not say.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised');
  return text;
}
