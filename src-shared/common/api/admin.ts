import { z } from 'zod';
import { isoDay, MonthlyFigures, Separation } from './organisation.js';
import { account, text } from './text.js';

/**
 * The admin console's contract (/admin, issue 18): what its pages send and get. The console has
 * its own session, a cookie (never the desktop app's bearer token), and every request that
 * changes anything carries the CSRF token of that session in the `x-csrf-token` header.
 * Lists are paged in the database: `offset` and `limit` in, `total` out.
 */

/** The console's roles: 系統管理者 (IT staff) and 檔案管理 (the records office). */
export const AdminRole = z.enum(['it-admin', 'records']).describe('it-admin: 系統管理者; records: 檔案管理');
export type AdminRole = z.infer<typeof AdminRole>;

/** The console's session cookie: HttpOnly, SameSite=Strict, Path=/admin, Secure under TLS. */
export const ADMIN_SESSION_COOKIE = 'gongwen_admin';
/** The header every non-GET admin request carries the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** The route paths; `:name` parts are filled with `adminPath`. */
export const ADMIN_API = {
  login: '/admin/api/login',
  logout: '/admin/api/logout',
  me: '/admin/api/me',
  units: '/admin/api/units',
  unitEdit: '/admin/api/units/:unitId/edit',
  people: '/admin/api/people',
  person: '/admin/api/people/:account',
  personEdit: '/admin/api/people/:account/edit',
  personDeactivation: '/admin/api/people/:account/deactivation',
  personPassword: '/admin/api/people/:account/password',
  personRoles: '/admin/api/people/:account/roles',
  personRole: '/admin/api/people/:account/roles/:role',
  personCards: '/admin/api/people/:account/cards',
  cardRetirement: '/admin/api/cards/:sha256/retirement',
  personTempCertRevocation: '/admin/api/people/:account/temp-certs/revocation',
  tempCertApplications: '/admin/api/temp-certs/applications',
  tempCertificates: '/admin/api/temp-certs/certificates',
  tempCertRevocation: '/admin/api/temp-certs/certificates/:serial/revocation',
  pendingResign: '/admin/api/resign/pending',
  statistics: '/admin/api/statistics',
  statisticsCsv: '/admin/api/statistics.csv',
  audit: '/admin/api/audit',
  auditVerification: '/admin/api/audit/verification',
  document: '/admin/api/documents/:number',
  documentEvidence: '/admin/api/documents/:number/evidence.zip',
} as const;

/** A path of ADMIN_API with its `:name` parts filled in (URI-encoded). */
export function adminPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:([a-zA-Z][a-zA-Z0-9]*)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** The paging part of every list's query: query strings carry numbers as text. */
const paging = {
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('rows to skip (default 0)'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('rows to answer, 1 to 200 (default 50)'),
};
/** A page of rows and how many match the filter in all. */
function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().describe('rows matching the filter, over all pages'),
    offset: z.number(),
    limit: z.number(),
  });
}
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: '月份格式應為 YYYY-MM (a month is YYYY-MM)' });
const searchText = text({ min: 1, max: 64 });
const reason = text({ min: 1, max: 200 }).describe('why, for the audit log');

// ---- Sessions ----

export const AdminLoginRequest = z.strictObject({ account, password: z.string().min(1).max(256) }).describe('log in to the console with the login password');
export type AdminLoginRequest = z.infer<typeof AdminLoginRequest>;

/** Who is logged in to the console; the answer of login and of GET me. */
export const AdminMe = z.object({
  account: z.string(),
  name: z.string(),
  roles: z.array(AdminRole).describe('what this person may do in the console; never empty (without a role, login is refused)'),
  csrfToken: z.string().describe(`send it in the ${CSRF_HEADER} header of every request that changes anything`),
  expiresAt: z.string().describe('when the console session ends (ISO instant)'),
});
export type AdminMe = z.infer<typeof AdminMe>;

// ---- People and units (it-admin) ----

export const PersonBrief = z.object({ account: z.string(), name: z.string() });
export type PersonBrief = z.infer<typeof PersonBrief>;

export const AdminUnit = z.object({
  id: z.string(),
  name: z.string(),
  head: PersonBrief.nullable().describe('the unit head (權責主管); null when none is set'),
  people: z.number().describe('people of the unit who have not left'),
});
export type AdminUnit = z.infer<typeof AdminUnit>;
export const AdminUnitList = z.object({ units: z.array(AdminUnit) });
export type AdminUnitList = z.infer<typeof AdminUnitList>;

export const EditUnitRequest = z
  .strictObject({
    name: text({ min: 1, max: 64 })
      .refine((s) => s.trim() === s && s.length > 0, { message: '單位名稱前後不可有空白 (no spaces around a unit name)' })
      .optional()
      .describe('the unit’s name; no two units share one'),
    head: account.optional().describe('the account of the unit head (權責主管): one who has not left; from another unit for an acting head'),
  })
  .describe('only the fields given change');
export type EditUnitRequest = z.infer<typeof EditUnitRequest>;

export const AdminCard = z.object({
  sha256: z.string().describe('SHA-256 of the certificate DER, hex'),
  subject: z.string(),
  serial: z.string(),
  notAfter: z.string(),
  registeredAt: z.string(),
  retiredAt: z.string().nullable().describe('retired cards sign nothing new; what they signed still verifies'),
});
export type AdminCard = z.infer<typeof AdminCard>;

export const AdminPerson = z.object({
  account: z.string(),
  name: z.string(),
  title: z.string(),
  unit: z.object({ id: z.string(), name: z.string() }),
  roles: z.array(AdminRole).describe('roles held in the database, plus it-admin for accounts GONGWEN_ADMINISTRATORS names'),
  administratorByConfiguration: z.boolean().describe('named in GONGWEN_ADMINISTRATORS: it-admin that the console cannot revoke'),
  separatedAt: z.string().nullable().describe('離職: when the person left; null while employed'),
  deputies: z.number().describe('current and upcoming deputies (職務代理人)'),
  cards: z.array(AdminCard).describe('registered cards, retired ones included'),
});
export type AdminPerson = z.infer<typeof AdminPerson>;

export const PeopleQuery = z.strictObject({
  unit: z.string().min(1).max(64).optional().describe('a unit id'),
  text: searchText.optional().describe('part of the account, name or title'),
  status: z.enum(['active', 'separated', 'all']).default('active').describe('active (default), separated (離職) or all'),
  ...paging,
});
export type PeopleQuery = z.infer<typeof PeopleQuery>;
export const PeoplePage = pageOf(AdminPerson);
export type PeoplePage = z.infer<typeof PeoplePage>;

export const AddPersonRequest = z.strictObject({
  account,
  name: text({ min: 1, max: 64 }),
  title: text({ max: 64 }),
  unitId: z.string().min(1).max(64),
  password: z.string().min(1).max(256).describe('the first login password; the password policy applies'),
  roles: z.array(AdminRole).max(2).default([]).describe('console roles to grant at once'),
});
export type AddPersonRequest = z.infer<typeof AddPersonRequest>;

export const EditPersonRequest = z
  .strictObject({
    name: text({ min: 1, max: 64 }).optional(),
    title: text({ max: 64 }).optional(),
    unitId: z.string().min(1).max(64).optional(),
  })
  .describe('only the fields given change');
export type EditPersonRequest = z.infer<typeof EditPersonRequest>;

/** 離職: the existing separation (sessions ended, temp certs revoked, logins refused). */
export const DeactivatePersonRequest = z.strictObject({
  on: isoDay.optional().describe('the day the person left, Taiwan time (today or earlier); left out: now'),
});
export type DeactivatePersonRequest = z.infer<typeof DeactivatePersonRequest>;
export { Separation };

export const ResetPasswordRequest = z.strictObject({
  password: z.string().min(1).max(256).describe('the new login password; the password policy applies; the person’s sessions end'),
});
export type ResetPasswordRequest = z.infer<typeof ResetPasswordRequest>;
export const PasswordReset = z.object({
  account: z.string(),
  sessionsEnded: z.number().describe('the person’s desktop sessions ended by the reset (console sessions end too)'),
});
export type PasswordReset = z.infer<typeof PasswordReset>;

export const GrantRoleRequest = z.strictObject({ role: AdminRole });
export type GrantRoleRequest = z.infer<typeof GrantRoleRequest>;

export const RegisterCardPemRequest = z.strictObject({
  pem: z
    .string()
    .min(1)
    .max(64 * 1024)
    .describe('the card certificate in PEM, optionally followed by its intermediates (the card first)'),
});
export type RegisterCardPemRequest = z.infer<typeof RegisterCardPemRequest>;

export const RetireCardRequest = z.strictObject({ reason: reason.optional() });
export type RetireCardRequest = z.infer<typeof RetireCardRequest>;

// ---- Temp certs (it-admin) ----

export const TempCertApplicationState = z.enum(['pending', 'applied', 'rejected', 'disabled']);
export const AdminTempCertApplication = z.object({
  person: PersonBrief,
  unit: z.object({ id: z.string(), name: z.string() }),
  reason: z.string(),
  state: TempCertApplicationState.describe('pending: 待主管核准; applied; rejected; disabled: 停用 (every certificate revoked)'),
  appliedAt: z.string(),
  updatedAt: z.string(),
  periodEnd: z.string().nullable(),
  decidedAt: z.string().nullable(),
  certificates: z.number().describe('certificates issued under it that are neither revoked nor expired'),
});
export type AdminTempCertApplication = z.infer<typeof AdminTempCertApplication>;
export const TempCertApplicationsQuery = z.strictObject({
  state: TempCertApplicationState.optional(),
  unit: z.string().min(1).max(64).optional(),
  text: searchText.optional().describe('part of the account, name or reason'),
  ...paging,
});
export type TempCertApplicationsQuery = z.infer<typeof TempCertApplicationsQuery>;
export const TempCertApplicationsPage = pageOf(AdminTempCertApplication);
export type TempCertApplicationsPage = z.infer<typeof TempCertApplicationsPage>;

export const TempCertificateState = z.enum(['valid', 'expired', 'revoked']);
export const AdminTempCertificate = z.object({
  serial: z.string(),
  sha256: z.string(),
  person: PersonBrief,
  unit: z.object({ id: z.string(), name: z.string() }),
  reason: z.string().describe('the reason of the person’s application'),
  pcLabel: z.string(),
  state: TempCertificateState,
  issuedAt: z.string(),
  notAfter: z.string(),
  revokedAt: z.string().nullable(),
  revocationReason: z.string().nullable(),
});
export type AdminTempCertificate = z.infer<typeof AdminTempCertificate>;
export const TempCertificatesQuery = z.strictObject({
  state: TempCertificateState.optional(),
  unit: z.string().min(1).max(64).optional(),
  text: searchText.optional().describe('part of the account, name, PC label or serial'),
  ...paging,
});
export type TempCertificatesQuery = z.infer<typeof TempCertificatesQuery>;
export const TempCertificatesPage = pageOf(AdminTempCertificate);
export type TempCertificatesPage = z.infer<typeof TempCertificatesPage>;

export const RevokeTempCertRequest = z.strictObject({ reason });
export type RevokeTempCertRequest = z.infer<typeof RevokeTempCertRequest>;
export const TempCertRevocation = z.object({
  revoked: z.number().describe('certificates revoked now (0 when all were already revoked)'),
});
export type TempCertRevocation = z.infer<typeof TempCertRevocation>;

// ---- 補簽 (it-admin and records) ----

export const PendingResignQuery = z.strictObject({
  unit: z.string().min(1).max(64).optional(),
  overdue: z.enum(['true', 'false']).optional().describe('true: only overdue steps; false: only those not yet overdue'),
  minAgeDays: z.coerce.number().int().min(0).max(3650).optional().describe('only steps sent at least this many days ago'),
  ...paging,
});
export type PendingResignQuery = z.infer<typeof PendingResignQuery>;

export const ResignRight = z.enum(['signer', 'unit-head', 'deputy']);
export const PendingResignStep = z.object({
  stepId: z.string(),
  documentNumber: z.string(),
  subject: z.string(),
  seq: z.number(),
  signer: PersonBrief.extend({ separated: z.boolean() }),
  unit: z.object({ id: z.string(), name: z.string() }),
  sentAt: z.string(),
  ageDays: z.number().describe('whole days since it was sent'),
  overdue: z.boolean().describe('older than the policy’s overdueAfterDays'),
  mayResign: z
    .array(PersonBrief.extend({ right: ResignRight }))
    .describe('who may re-sign it today: the signer (unless separated), the unit head, current deputies'),
});
export type PendingResignStep = z.infer<typeof PendingResignStep>;
export const PendingResignPage = pageOf(PendingResignStep).extend({
  byUnit: z
    .array(z.object({ unitId: z.string(), unitName: z.string(), pending: z.number(), overdue: z.number() }))
    .describe('over every unit, ignoring paging'),
  overdueAfterDays: z.number(),
});
export type PendingResignPage = z.infer<typeof PendingResignPage>;

// ---- Statistics (both roles) ----

export const StatisticsQuery = z.strictObject({
  from: month.describe('first month, YYYY-MM, Taiwan time'),
  to: month.describe('last month, YYYY-MM (at most 24 months after from)'),
  unit: z.string().min(1).max(64).optional().describe('one unit; left out: every unit'),
});
export type StatisticsQuery = z.infer<typeof StatisticsQuery>;

export const StatisticsRow = MonthlyFigures.extend({
  unitName: z.string(),
  stepsSigned: z.number().describe('steps the unit’s people signed and sent in the month'),
  tempShare: z.number().nullable().describe('tempSigned / stepsSigned, 0..1; null when none signed'),
});
export type StatisticsRow = z.infer<typeof StatisticsRow>;
export const Statistics = z.object({ asOf: z.string(), rows: z.array(StatisticsRow).describe('one per month and unit, by month then unit') });
export type Statistics = z.infer<typeof Statistics>;

// ---- Audit (both roles) ----

export const AuditQuery = z.strictObject({
  actor: account.optional().describe('who (an account)'),
  action: z.string().min(1).max(64).optional().describe('an action, e.g. session.login, or a prefix ending in a dot, e.g. admin.'),
  from: z.iso.datetime({ offset: true }).optional().describe('at or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('before this instant'),
  document: z
    .string()
    .regex(/^\d{10}$/)
    .optional()
    .describe('a document number'),
  ...paging,
});
export type AuditQuery = z.infer<typeof AuditQuery>;
export const AdminAuditEntry = z.object({
  seq: z.number(),
  at: z.string(),
  actor: z.string().nullable(),
  action: z.string(),
  subject: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AdminAuditEntry = z.infer<typeof AdminAuditEntry>;
export const AuditPage = pageOf(AdminAuditEntry).describe('newest first');
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditVerification = z.object({
  ok: z.boolean(),
  entries: z.number().describe('entries checked'),
  firstBroken: z
    .object({ seq: z.number(), reason: z.string(), at: z.string().nullable(), action: z.string().nullable() })
    .nullable()
    .describe('the first entry whose hash or link does not hold; null when the chain holds'),
  stalePending: z
    .object({ count: z.number(), oldestAt: z.string() })
    .nullable()
    .describe('entries committed but waiting over a minute to be chained (PostgreSQL: sealing fails); null when none'),
});
export type AuditVerification = z.infer<typeof AuditVerification>;

// ---- Evidence (records and it-admin) ----

/**
 * Which mode the evidence checks a signature in (the verifier's and the README's): 'time-stamp'
 * (as of its RFC 3161 token's time, `at`), 'pending' (the token is still to come from the TSA) or
 * 'claimed' (no token: made before time-stamping began, checked as of the signer's own claim or,
 * for a 補簽, the time the service recorded; neither is proof).
 */
export const AdminTimeStamp = z.object({ mode: z.enum(['time-stamp', 'pending', 'claimed']), at: z.string().nullable() });
export type AdminTimeStamp = z.infer<typeof AdminTimeStamp>;
export const AdminSignature = z.object({
  kind: z.enum(['card', 'temp']),
  certificateSubject: z.string().nullable(),
  certificateSha256: z.string().nullable(),
  signingTime: z.string().nullable(),
  timeStamp: AdminTimeStamp.describe('how the step signature is checked'),
  resign: z
    .object({
      kind: z.enum(['self', 'on-behalf', 'paper']),
      by: PersonBrief.nullable(),
      at: z.string(),
      certificateSubject: z.string().nullable(),
      reason: z.string().nullable(),
      timeStamp: AdminTimeStamp.describe('how the 補簽 countersignature, or the paper record, is checked'),
    })
    .nullable()
    .describe('補簽 of a temp-signed step; null when not (yet) re-signed'),
});
export type AdminSignature = z.infer<typeof AdminSignature>;
export const AdminFlowStep = z.object({
  seq: z.number(),
  status: z.string(),
  action: z.string(),
  unit: z.string(),
  holder: PersonBrief,
  receivedAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  signature: AdminSignature.nullable().describe('null for a step not (yet) sent'),
});
export type AdminFlowStep = z.infer<typeof AdminFlowStep>;
export const AdminDocument = z.object({
  number: z.string(),
  subject: z.string(),
  status: z.string(),
  createdAt: z.string(),
  flow: z.array(AdminFlowStep),
});
export type AdminDocument = z.infer<typeof AdminDocument>;

/** Which roles may use each part of the console (the service checks it on every route; the pages only hide). */
export const ADMIN_AREA_ROLES = {
  people: ['it-admin'],
  tempCerts: ['it-admin'],
  resign: ['it-admin', 'records'],
  statistics: ['it-admin', 'records'],
  audit: ['it-admin', 'records'],
  evidence: ['it-admin', 'records'],
} as const satisfies Record<string, readonly AdminRole[]>;
