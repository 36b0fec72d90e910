import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signingCertificateV2 } from '../../src-shared/node/cms/signer-info.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';

/**
 * A detached CMS signature over `payload` made by PKI.js, an independent implementation, with the
 * signed attributes the test chooses (PKI.js adds none itself): content-type, and unless told
 * otherwise signing-time, message-digest and signing-certificate-v2 (PKI.js has no builder for the
 * last: its value is the project's encoding, which openssl reads the same).
 */
export async function pkijsSign(
  payload: Uint8Array,
  signer: { certPem: string; keyPem: string },
  options: {
    hash?: 'SHA-256' | 'SHA-384';
    pss?: boolean;
    signingTime?: Date | null;
    messageDigest?: boolean;
    signingCertificateV2?: boolean;
  } = {},
): Promise<Uint8Array> {
  const hash = options.hash ?? 'SHA-256';
  const certDer = fromPem(signer.certPem)[0]!;
  const certificate = pkijs.Certificate.fromBER(certDer.slice().buffer);
  const algorithm = options.pss ? { name: 'RSA-PSS', hash } : { name: 'RSASSA-PKCS1-v1_5', hash };
  const pkcs8 = Buffer.from(signer.keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
  const attributes: pkijs.Attribute[] = [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' })] }),
  ];
  if (options.signingTime !== null)
    attributes.push(
      new pkijs.Attribute({
        type: '1.2.840.113549.1.9.5',
        values: [new asn1js.UTCTime({ valueDate: options.signingTime ?? new Date(Math.floor(Date.now() / 1000) * 1000) })],
      }),
    );
  if (options.messageDigest !== false) {
    const digest = createHash(hash.replace('-', '').toLowerCase()).update(payload).digest();
    attributes.push(new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: digest })] }));
  }
  if (options.signingCertificateV2 !== false) {
    const attribute = asn1js.fromBER(signingCertificateV2(certDer).slice().buffer).result as asn1js.Sequence;
    const values = (attribute.valueBlock.value[1] as asn1js.Set).valueBlock.value;
    attributes.push(new pkijs.Attribute({ type: '1.2.840.113549.1.9.16.2.47', values }));
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '1.2.840.113549.1.7.1' }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    certificates: [certificate],
  });
  await signedData.sign(key, 0, hash);
  const info = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: signedData.toSchema(true) });
  return new Uint8Array(info.toSchema().toBER());
}
