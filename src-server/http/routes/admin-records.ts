import {
  ADMIN_API,
  ADMIN_AREA_ROLES,
  AdminDocument,
  AuditPage,
  AuditQuery,
  AuditVerification,
  PendingResignPage,
  PendingResignQuery,
  Statistics,
  StatisticsQuery,
} from '../../../src-shared/common/api/admin.js';
import { searchAudit, verifyAudit } from '../../admin/audit-search.js';
import { documentForRecords, evidenceZip } from '../../admin/document-evidence.js';
import { pendingResignSteps } from '../../admin/resign-watch.js';
import { statistics, statisticsCsv } from '../../admin/statistics.js';
import type { ServiceContext } from '../../context.js';
import { defineRoute } from '../route.js';

/** The console's 補簽, statistics, audit and evidence pages (issue 18): 系統管理者 and 檔案管理. */
export const adminRecordsRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'GET',
    url: ADMIN_API.pendingResign,
    summary: '補簽: pending and overdue steps by unit and age, with who may re-sign each',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.resign,
    query: PendingResignQuery,
    response: PendingResignPage,
    handler: ({ query }) => pendingResignSteps(ctx, query),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.statistics,
    summary: '統計: by month (Taiwan time) and unit',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.statistics,
    errors: ['STATISTICS_RANGE_INVALID', 'UNIT_UNKNOWN'],
    query: StatisticsQuery,
    response: Statistics,
    handler: ({ query }) => statistics(ctx, query),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.statisticsCsv,
    summary: '統計 as CSV (UTF-8 with BOM), one row per month and unit',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.statistics,
    errors: ['STATISTICS_RANGE_INVALID', 'UNIT_UNKNOWN'],
    query: StatisticsQuery,
    produces: 'text/csv; charset=utf-8',
    handler: async ({ query, reply }) => {
      reply.header('content-disposition', `attachment; filename="statistics-${query.from}-${query.to}.csv"`);
      return statisticsCsv(await statistics(ctx, query));
    },
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.audit,
    summary: '稽核紀錄: newest first, filtered by who, action, time and document, paged',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.audit,
    query: AuditQuery,
    response: AuditPage,
    handler: ({ query }) => searchAudit(ctx, query),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.auditVerification,
    summary: '驗證稽核鏈: the chain check of verify-audit, naming the first broken entry',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.audit,
    response: AuditVerification,
    handler: () => verifyAudit(ctx),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.document,
    summary: '公文證據: a document by number, its flow and signatures',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.evidence,
    errors: ['DOCUMENT_NOT_FOUND'],
    response: AdminDocument,
    handler: ({ params }) => documentForRecords(ctx, params.number ?? ''),
  }),
  defineRoute({
    method: 'GET',
    url: ADMIN_API.documentEvidence,
    summary: '公文證據 as one ZIP: exactly what export-evidence writes, for the README’s openssl commands',
    tags: ['admin'],
    auth: false,
    admin: ADMIN_AREA_ROLES.evidence,
    errors: ['DOCUMENT_NOT_FOUND'],
    produces: 'application/zip',
    handler: async ({ params, reply }) => {
      const { name, zip } = await evidenceZip(ctx, params.number ?? '');
      reply.header('content-disposition', `attachment; filename="${name}"`);
      return zip;
    },
  }),
];
