import { oid } from '../../src-shared/node/cms/oids.js';
import { STEP_PAYLOAD_PROFILE } from '../../src-shared/common/step-payload.js';

/**
 * The signed formats, described for an integrator who builds a client from the OpenAPI document
 * alone (issue 15): what bytes a step signature covers, how the content digest is made, and the
 * profile's attributes with their full OIDs. docs/integrating.md walks through them with openssl.
 */
export const profileSchemas = {
  StepPayload: {
    type: 'object',
    description: [
      `What a holder signs at a step (profile \`${STEP_PAYLOAD_PROFILE}\`): the RFC 8785 canonical JSON (UTF-8) of this object, signed as`,
      'a detached CMS SignedData (RFC 5652): SHA-256; one SignerInfo, identified by issuerAndSerialNumber or subjectKeyIdentifier;',
      `signed attributes content-type (${oid.contentType}, id-data), message-digest (${oid.messageDigest}),`,
      `signing-time (${oid.signingTime}, equal to \`signingTime\` to the second) and signing-certificate-v2 (${oid.signingCertificateV2});`,
      'the signer’s certificate included. The service rebuilds this object from its own state and the request and verifies the',
      'signature over the rebuilt bytes: a client never sends it, only the signature over it.',
    ].join(' '),
    required: ['profile', 'documentId', 'documentNumber', 'contentSha256', 'step', 'action', 'sender', 'recipient', 'opinion', 'signingTime', 'stepToken'],
    additionalProperties: false,
    properties: {
      profile: { const: STEP_PAYLOAD_PROFILE },
      documentId: { type: 'string', format: 'uuid' },
      documentNumber: { type: 'string', pattern: '^1\\d{9}$', description: '文號' },
      contentSha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'the document’s content digest (ContentDigest), lowercase hex' },
      step: { type: 'integer', minimum: 1, description: 'the seq (序) of the step being completed (the name is frozen: it is signed)' },
      action: { type: 'string', description: '異動別: the action of ActionRequest' },
      sender: { type: 'string', description: 'the account of the holder, who signs' },
      recipient: { type: ['string', 'null'], description: 'the next holder’s account; null when the action closes the flow' },
      opinion: { type: 'string', description: '簽核意見, exactly as sent' },
      signingTime: { type: 'string', description: 'ISO 8601 UTC, whole seconds (`2014-05-27T09:24:00Z`)' },
      stepToken: { type: 'string', description: 'the step token the document view gave its holder' },
    },
  },
  ContentDigest: {
    type: 'object',
    description: [
      'The content digest (`contentSha256`): the SHA-256, lowercase hex, of the RFC 8785 canonical JSON (UTF-8) of this object:',
      'the subject, the body, and each attachment’s name, SHA-256 (lowercase hex) and size in bytes, in the document’s order.',
      'A client computes it from what it shows and downloads, and refuses to sign when it differs from the service’s.',
    ].join(' '),
    required: ['subject', 'body', 'attachments'],
    additionalProperties: false,
    properties: {
      subject: { type: 'string' },
      body: { type: 'string' },
      attachments: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'sha256', 'size'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, size: { type: 'integer', minimum: 0 } },
        },
      },
    },
  },
  Countersignature: {
    type: 'object',
    description: [
      `補簽 (re-sign): an RFC 5652 §11.4 countersignature (attribute ${oid.countersignature}), a SignerInfo over the step signature’s`,
      'signature value, made by the holder’s card: SHA-256; signed attributes message-digest (of the signature value),',
      `signing-time, signing-certificate-v2, and the re-sign note (${oid.resignNote}, UTF8String, equal to the request’s note);`,
      'no content-type. Sent alone (base64 of the SignerInfo’s DER) in a ResignRequest item; the service attaches it.',
    ].join(' '),
  },
  ProjectObjectIdentifiers: {
    type: 'object',
    description: `The project’s OIDs, under its UUID arc (ITU-T X.667): temp-cert certificate policy ${oid.tempCertPolicy}; re-sign note ${oid.resignNote}.`,
  },
} as const;
