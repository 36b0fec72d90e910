import {
  ADMIN_API,
  ADMIN_AREA_ROLES,
  AddPersonRequest,
  AdminLoginRequest,
  AdminMe,
  AdminPerson,
  AdminRole,
  AdminUnit,
  AdminUnitList,
  DeactivatePersonRequest,
  EditPersonRequest,
  EditUnitRequest,
  GrantRoleRequest,
  PeoplePage,
  PasswordReset,
  PeopleQuery,
  RegisterCardPemRequest,
  ResetPasswordRequest,
  RetireCardRequest,
  RevokeTempCertRequest,
  Separation,
  TempCertApplicationsPage,
  TempCertApplicationsQuery,
  TempCertificatesPage,
  TempCertificatesQuery,
  TempCertRevocation,
} from '../../../src-shared/common/api/admin.js';
import { GongwenError } from '../../../src-shared/common/errors.js';
import { consoleLogin, consoleLogout, consoleSession } from '../../admin/console-sessions.js';
import { resetPassword } from '../../accounts/password-reset.js';
import { addPerson, editPerson, listPeople, listUnits, personOf, registerCardFromPem, retireCardBySha256 } from '../../admin/people.js';
import { grantRole, revokeRole } from '../../admin/roles.js';
import { editUnit } from '../../admin/units.js';
import { listTempCertApplications, listTempCertificates, revokeOneTempCertificate, revokePersonsTempCertificates } from '../../admin/temp-certs.js';
import type { ServiceContext } from '../../context.js';
import { separateUser } from '../../organisation/separation.js';
import { SESSION_COOKIE, setConsoleCookie } from '../console-cookies.js';
import { consoleToken, defineRoute } from '../route.js';

const ANY_ROLE = AdminRole.options;
const IT = ADMIN_AREA_ROLES.people;
const TEMP = ADMIN_AREA_ROLES.tempCerts;

/** An account from a path: one that cannot be an account is nobody's. */
function accountParam(params: Record<string, string>): string {
  const account = params.account ?? '';
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(account)) throw new GongwenError('USER_UNKNOWN');
  return account;
}

/** A unit id from a path: one that cannot be a unit id is no unit. */
function unitParam(params: Record<string, string>): string {
  const unitId = params.unitId ?? '';
  if (unitId.length === 0 || unitId.length > 64) throw new GongwenError('UNIT_UNKNOWN');
  return unitId;
}

/** The console's session, people and units, and temp certs (issue 18): 系統管理者 (it-admin). */
export const adminPeopleRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'POST',
    url: ADMIN_API.login,
    summary: '管理介面登入: password; answers with the console cookie and the CSRF token (系統管理者 or 檔案管理 only)',
    tags: ['admin'],
    auth: false,
    errors: ['LOGIN_FAILED', 'RATE_LIMITED', 'USER_SEPARATED', 'ADMIN_ROLE_REQUIRED'],
    body: AdminLoginRequest,
    response: AdminMe,
    handler: async ({ body, request, reply }) => {
      const { token, me } = await consoleLogin(ctx, body.account, body.password);
      setConsoleCookie(request, reply, SESSION_COOKIE, token, me.expiresAt);
      return me;
    },
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.logout,
    summary: '管理介面登出',
    tags: ['admin'],
    auth: false,
    admin: ANY_ROLE,
    handler: async ({ token, actor, request, reply }) => {
      await consoleLogout(ctx, token, actor);
      setConsoleCookie(request, reply, SESSION_COOKIE, '', null);
    },
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.me,
    summary: 'Who is logged in to the console: account, name, roles and the CSRF token',
    tags: ['admin'],
    auth: false,
    admin: ANY_ROLE,
    response: AdminMe,
    handler: async ({ request }) => {
      const session = await consoleSession(ctx, consoleToken(request));
      return { account: session.actor.account, name: session.actor.name, roles: session.roles, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    },
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.units,
    summary: '人員與單位: the units with their heads',
    tags: ['admin'],
    auth: false,
    admin: IT,
    response: AdminUnitList,
    handler: () => listUnits(ctx),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.unitEdit,
    summary: '編輯單位: name and head (權責主管), as one change',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['UNIT_UNKNOWN', 'UNIT_NAME_TAKEN', 'USER_UNKNOWN', 'USER_SEPARATED'],
    body: EditUnitRequest,
    response: AdminUnit,
    handler: ({ actor, params, body }) => editUnit(ctx, actor.account, unitParam(params), body),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.people,
    summary: '人員與單位: people, filtered by unit, text and status, paged',
    tags: ['admin'],
    auth: false,
    admin: IT,
    query: PeopleQuery,
    response: PeoplePage,
    handler: ({ query }) => listPeople(ctx, query),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.person,
    summary: '人員與單位: one person',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['USER_UNKNOWN'],
    response: AdminPerson,
    handler: ({ params }) => personOf(ctx, accountParam(params)),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.people,
    summary: '新增人員 (the password policy applies)',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['ACCOUNT_TAKEN', 'PASSWORD_POLICY', 'UNIT_UNKNOWN'],
    body: AddPersonRequest,
    response: AdminPerson,
    handler: ({ actor, body }) => addPerson(ctx, actor.account, body),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.personEdit,
    summary: '編輯人員: name, title, unit',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['USER_UNKNOWN', 'UNIT_UNKNOWN'],
    body: EditPersonRequest,
    response: AdminPerson,
    handler: ({ actor, params, body }) => editPerson(ctx, actor.account, accountParam(params), body),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.personDeactivation,
    summary: '離職: the separation (sessions end, temp certs revoked, logins and sends refused)',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['USER_UNKNOWN', 'USER_ALREADY_SEPARATED', 'SEPARATION_DATE_INVALID'],
    body: DeactivatePersonRequest,
    response: Separation,
    handler: ({ actor, params, body }) => separateUser(ctx, actor.account, accountParam(params), body.on),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.personPassword,
    summary: '重設密碼 (the password policy applies; the person’s sessions end, their login lock is lifted; never for one who has left)',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['USER_UNKNOWN', 'USER_SEPARATED', 'PASSWORD_POLICY'],
    body: ResetPasswordRequest,
    response: PasswordReset,
    // 重設密碼 as at the command line (password-reset.ts), by the console's user.
    handler: ({ actor, params, body }) => resetPassword(ctx, { by: actor.account, account: accountParam(params), password: body.password }),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.personRoles,
    summary: 'Grant a console role (系統管理者 it-admin, 檔案管理 records)',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['USER_UNKNOWN'],
    body: GrantRoleRequest,
    response: AdminPerson,
    handler: async ({ actor, params, body }) => {
      const account = accountParam(params);
      await grantRole(ctx, actor.account, account, body.role);
      return personOf(ctx, account);
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: ADMIN_API.personRole,
    summary: 'Revoke a console role held in the database (not one given by GONGWEN_ADMINISTRATORS)',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['USER_UNKNOWN', 'ROLE_BY_CONFIGURATION'],
    response: AdminPerson,
    handler: async ({ actor, params }) => {
      const account = accountParam(params);
      const role = AdminRole.safeParse(params.role);
      if (!role.success) throw new GongwenError('VALIDATION_FAILED', 'role: it-admin or records');
      await revokeRole(ctx, actor.account, account, role.data);
      return personOf(ctx, account);
    },
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.personCards,
    summary: '註冊憑證卡 from a PEM upload (the card’s certificate and its intermediates), judged as register-card judges it',
    tags: ['admin'],
    auth: false,
    admin: IT,
    bodyLimit: 96 * 1024,
    errors: [
      'USER_UNKNOWN',
      'CERT_MALFORMED',
      'CERT_UNTRUSTED',
      'CERT_EXPIRED',
      'CERT_REVOKED',
      'CERT_CHAIN_EXPIRED',
      'CERT_CHAIN_NOT_CA',
      'CERT_CHAIN_PATH_LENGTH',
      'CERT_CRITICAL_EXTENSION',
      'CERT_WEAK_ALGORITHM',
      'CERT_NOT_FOR_SIGNING',
      'CERT_IS_CA',
      'SIGNER_NOT_USER',
    ],
    body: RegisterCardPemRequest,
    response: AdminPerson,
    handler: ({ actor, params, body }) => registerCardFromPem(ctx, actor.account, accountParam(params), body.pem),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.cardRetirement,
    summary: '停用憑證卡 (lost, replaced): it signs and logs in no more; what it signed still verifies',
    tags: ['admin'],
    auth: false,
    admin: IT,
    errors: ['CARD_UNKNOWN'],
    body: RetireCardRequest,
    response: AdminPerson,
    handler: ({ actor, params }) => retireCardBySha256(ctx, actor.account, params.sha256 ?? ''),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.tempCertApplications,
    summary: '臨時憑證: every application (who, reason, state), filtered and paged',
    tags: ['admin'],
    auth: false,
    admin: TEMP,
    query: TempCertApplicationsQuery,
    response: TempCertApplicationsPage,
    handler: ({ query }) => listTempCertApplications(ctx, query),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.tempCertificates,
    summary: '臨時憑證: every certificate (who, PC, state, issued and revoked when), filtered and paged',
    tags: ['admin'],
    auth: false,
    admin: TEMP,
    query: TempCertificatesQuery,
    response: TempCertificatesPage,
    handler: ({ query }) => listTempCertificates(ctx, query),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.tempCertRevocation,
    summary: '撤銷 one temp certificate; a fresh CRL lists it at once',
    tags: ['admin'],
    auth: false,
    admin: TEMP,
    errors: ['TEMP_CERT_UNKNOWN'],
    body: RevokeTempCertRequest,
    response: TempCertRevocation,
    handler: ({ actor, params, body }) => revokeOneTempCertificate(ctx, actor.account, params.serial ?? '', body.reason),
  }),
  defineRoute({
    method: 'POST',
    url: ADMIN_API.personTempCertRevocation,
    summary: '撤銷 every temp certificate of a person (their application is disabled); a fresh CRL lists them',
    tags: ['admin'],
    auth: false,
    admin: TEMP,
    errors: ['USER_UNKNOWN'],
    body: RevokeTempCertRequest,
    response: TempCertRevocation,
    handler: ({ actor, params, body }) => revokePersonsTempCertificates(ctx, actor.account, accountParam(params), body.reason),
  }),
];
