import { x509 } from '../../src-shared/node/pki/x509.js';
import { makeSelfSignedEcKey } from '../keys/self-signed.js';

/** A temp-cert CA: ECDSA P-256, self-signed, for issuing the temporary certificates only. */
export function makeTempCa(
  name: string,
  now = new Date(),
  notBefore = new Date(now.getTime() - 24 * 3600 * 1000),
): Promise<{ certPem: string; keyPem: string }> {
  return makeSelfSignedEcKey(
    {
      name,
      notBefore,
      years: 10,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    now,
  );
}
