import { refuseSignature as refuse } from '../../common/errors.js';
import { DerError, Tag, children, encodingOf, readWhole, sameBytes, smallInteger, type Tlv } from './der.js';
import { oidDer, oidName } from './oids.js';

/** The one RSASSA-PSS parameter set of the profile: SHA-256, MGF1 with SHA-256, 32 octets of salt, trailer field 1. */
const PROFILE_SALT_LENGTH = 32;

/**
 * Checks RSASSA-PSS-params (RFC 4055 §3.1) against the profile and returns the salt length to
 * verify with. Each field is optional with a SHA-1 default, so an absent hash or mask generation
 * is SHA-1 (WEAK_ALGORITHM) and an absent salt length is 20 (SIGNATURE_PROFILE). The hash may
 * carry NULL parameters or none (RFC 4055 §2.1: both must be accepted; openssl writes NULL), and
 * a trailer field of 1 may be written although it is the default.
 */
export function pssSaltLength(parameters: Uint8Array | null): number {
  if (!parameters) refuse('SIGNATURE_PROFILE', 'PSS_PARAMETERS', 'no parameters');
  const found = readPss(parameters);
  const said = `hash ${found.hash}, MGF1 ${found.mgfHash}, salt ${found.saltLength}, trailer ${found.trailerField}`;
  if (found.hash === 'sha1' || found.mgfHash === 'sha1') refuse('WEAK_ALGORITHM', 'WEAK_PSS', said);
  if (found.hash !== 'sha256' || found.mgfHash !== 'sha256' || found.saltLength !== PROFILE_SALT_LENGTH || found.trailerField !== 1) {
    refuse('SIGNATURE_PROFILE', 'PSS_PARAMETERS', said);
  }
  return PROFILE_SALT_LENGTH;
}

interface PssParameters {
  hash: string;
  mgfHash: string;
  saltLength: number;
  trailerField: number;
}

function readPss(bytes: Uint8Array): PssParameters {
  try {
    const top = readWhole(bytes, Tag.SEQUENCE);
    const found: PssParameters = { hash: 'sha1', mgfHash: 'sha1', saltLength: 20, trailerField: 1 };
    let last = -1;
    for (const field of children(bytes, top)) {
      const n = field.tag - Tag.context(0);
      if (n < 0 || n > 3 || n <= last) throw new DerError('not RSASSA-PSS-params');
      last = n;
      const inner = children(bytes, field);
      if (inner.length !== 1) throw new DerError('not RSASSA-PSS-params');
      const value = inner[0]!;
      if (n === 0) found.hash = hashName(bytes, value);
      else if (n === 1) {
        const mgf = children(bytes, expectSequence(value));
        if (mgf.length !== 2 || mgf[0]!.tag !== Tag.OID) throw new DerError('not RSASSA-PSS-params');
        if (!sameBytes(encodingOf(bytes, mgf[0]!), oidDer.mgf1))
          refuse('SIGNATURE_PROFILE', 'PSS_PARAMETERS', `mask generation ${oidName(encodingOf(bytes, mgf[0]!))}`);
        found.mgfHash = hashName(bytes, mgf[1]!);
      } else if (n === 2) found.saltLength = smallInteger(bytes, value);
      else found.trailerField = smallInteger(bytes, value);
    }
    return found;
  } catch (error) {
    if (error instanceof DerError) refuse('SIGNATURE_PROFILE', 'PSS_PARAMETERS', 'parameters not in the RSASSA-PSS-params form');
    throw error;
  }
}

/** A hash AlgorithmIdentifier: its name, with NULL parameters or none. */
function hashName(bytes: Uint8Array, tlv: Tlv): string {
  const fields = children(bytes, expectSequence(tlv));
  const oid = fields[0];
  const parameters = fields[1];
  if (!oid || oid.tag !== Tag.OID || fields.length > 2) throw new DerError('not an AlgorithmIdentifier');
  if (parameters && (parameters.tag !== Tag.NULL || parameters.end !== parameters.contentStart)) throw new DerError('hash parameters other than NULL');
  return oidName(encodingOf(bytes, oid));
}

function expectSequence(tlv: Tlv): Tlv {
  if (tlv.tag !== Tag.SEQUENCE) throw new DerError('not a SEQUENCE');
  return tlv;
}
