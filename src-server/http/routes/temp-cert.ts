import {
  ApplyTempCertRequest,
  DecideTempCertRequest,
  DeleteTempCertRequest,
  EnableTempCertRequest,
  EnableTempCertResponse,
  RenewTempCertRequest,
  TempCertApprovalsList,
  TempCertStatus,
} from '../../../src-shared/common/api/temp-cert.js';
import { toPem } from '../../../src-shared/node/pki/x509.js';
import type { ServiceContext } from '../../context.js';
import { applyForTempCert, deleteTempCert, disableTempCert, enableTempCert, tempCertStatus } from '../../temp-ca/applications.js';
import { applicationsAwaitingMe, decideTempCertApplication } from '../../temp-ca/approvals.js';
import { currentTempCaCrl } from '../../temp-ca/crl.js';
import { renewTempCert } from '../../temp-ca/renewal.js';
import { defineRoute } from '../route.js';

export const tempCertRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/temp-cert',
    summary: 'IFT930: my temp-cert application and certificates',
    tags: ['temp-cert'],
    auth: true,
    response: TempCertStatus,
    handler: ({ actor }) => tempCertStatus(ctx, actor),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/temp-cert/application',
    summary: 'IFT930 申請憑證: temp-cert password and reason; the login password again',
    tags: ['temp-cert'],
    auth: true,
    errors: ['REAUTH_FAILED', 'RATE_LIMITED', 'TEMP_CERT_ALREADY_APPLIED', 'TEMP_CERT_PASSWORD_WEAK'],
    body: ApplyTempCertRequest,
    response: TempCertStatus,
    handler: ({ actor, body, request }) => applyForTempCert(ctx, actor, body, { pcLabel: body.pcLabel ?? null, address: request.ip }),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/temp-cert/application',
    summary: 'IFT930 刪除憑證: withdraw the application, revoking its certificates; the login password again',
    tags: ['temp-cert'],
    auth: true,
    errors: ['REAUTH_FAILED', 'RATE_LIMITED', 'TEMP_CERT_NOT_APPLIED'],
    body: DeleteTempCertRequest,
    response: TempCertStatus,
    handler: ({ actor, body, request }) => deleteTempCert(ctx, actor, body, { pcLabel: body.pcLabel ?? null, address: request.ip }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/temp-cert/enable',
    summary: 'IFT930 啟用並下載憑證: certify the key made on this PC (CSR) after checking both passwords',
    tags: ['temp-cert'],
    auth: true,
    errors: ['REAUTH_FAILED', 'RATE_LIMITED', 'TEMP_CERT_NOT_APPLIED', 'TEMP_CERT_PASSWORD_WRONG', 'CSR_INVALID'],
    body: EnableTempCertRequest,
    response: EnableTempCertResponse,
    handler: ({ actor, body, request }) => enableTempCert(ctx, actor, body, { pcLabel: body.pcLabel, address: request.ip }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/temp-cert/renew',
    summary:
      'Renew my temp certificate before it expires (no policy period): a CSR for the same key as a live certificate of mine, and the temp-cert password; no new application. The old certificate is not revoked.',
    tags: ['temp-cert'],
    auth: true,
    body: RenewTempCertRequest,
    response: EnableTempCertResponse,
    handler: ({ actor, body }) => renewTempCert(ctx, actor, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/temp-cert/approvals',
    summary: 'Unit head: the temp-cert applications of the units I head awaiting my decision (policy approval: unit-head)',
    tags: ['temp-cert'],
    auth: true,
    response: TempCertApprovalsList,
    handler: ({ actor }) => applicationsAwaitingMe(ctx, actor),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/temp-cert/approvals',
    summary: 'Unit head: approve or reject one application with a comment the applicant sees; answers the applications still awaiting me',
    tags: ['temp-cert'],
    auth: true,
    body: DecideTempCertRequest,
    response: TempCertApprovalsList,
    handler: ({ actor, body }) => decideTempCertApplication(ctx, actor, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/temp-cert/disable',
    summary: 'IFT940 臨時憑證停用: revoke my temp certificates, keep the application',
    tags: ['temp-cert'],
    auth: true,
    errors: ['TEMP_CERT_NOT_APPLIED'],
    response: TempCertStatus,
    handler: ({ actor, request }) => disableTempCert(ctx, actor, { pcLabel: null, address: request.ip }),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/temp-ca/certificate',
    summary: 'The temp CA certificate (PEM)',
    tags: ['temp-cert'],
    auth: false,
    produces: 'application/x-pem-file',
    handler: async () => new TextEncoder().encode(toPem(ctx.tempCa.certificateDer, 'CERTIFICATE')),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/temp-ca/crl',
    summary:
      'CRL of revoked temp certificates (DER, RFC 5280 v2 with CRL number and authority key identifier, signed by the temp CA); the URL each temp certificate names as its CRL distribution point. The same CRL is served until a revocation or until 6 hours before its nextUpdate.',
    tags: ['temp-cert'],
    auth: false,
    produces: 'application/pkix-crl',
    handler: async () => (await currentTempCaCrl(ctx)).der,
  }),
];
