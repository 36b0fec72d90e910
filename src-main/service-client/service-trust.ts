import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import * as tls from 'node:tls';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * What the service client trusts for HTTPS: the operating system's certificate store, plus the
 * agency's own CA when Settings (or the administrator's file) name one. An agency that runs the
 * service with a certificate from its internal CA gives that CA here instead of installing it
 * into every PC's store.
 */
export interface ServiceTrust {
  /** The agency CA, PEM, already checked by `readAgencyCa`. */
  agencyCaPem?: string;
}

/**
 * The OS store as Node reads it: `tls.getCACertificates('system')` (Node 22.15+/23.5+, and
 * Electron's Node in the shell). A Node without it (Node 20) offers only its bundled Mozilla list,
 * which then stands in for the store.
 */
export function osCaCertificates(): string[] {
  const get = (tls as { getCACertificates?: (type: 'system' | 'bundled') => string[] }).getCACertificates;
  return get ? get('system') : [...tls.rootCertificates];
}

/** The CA certificates an HTTPS connection to the service is checked against. */
export function trustedCas(trust: ServiceTrust = {}): string[] {
  return trust.agencyCaPem ? [...osCaCertificates(), trust.agencyCaPem] : osCaCertificates();
}

/**
 * Reads the agency CA a setting names: an absolute path to a PEM file holding one CA certificate
 * (basic constraints CA), valid now. Anything else is AGENCY_CA_INVALID and is not trusted.
 */
export async function readAgencyCa(path: string, now = new Date()): Promise<string> {
  if (!isAbsolute(path)) throw new GongwenError('AGENCY_CA_INVALID', 'not an absolute path');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GongwenError('AGENCY_CA_INVALID', 'the file cannot be read');
  }
  return checkAgencyCa(text, now);
}

export function checkAgencyCa(text: string, now = new Date()): string {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) throw new GongwenError('AGENCY_CA_INVALID', `${blocks.length} PEM certificates, expected one`);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(blocks[0]!);
  } catch {
    throw new GongwenError('AGENCY_CA_INVALID', 'not a certificate');
  }
  if (!certificate.ca) throw new GongwenError('AGENCY_CA_INVALID', 'not a CA certificate');
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) throw new GongwenError('AGENCY_CA_INVALID', 'outside its validity');
  return `${blocks[0]!}\n`;
}
