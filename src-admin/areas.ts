import { ADMIN_AREA_ROLES, type AdminRole } from '../src-shared/common/api/admin';

/** The console's pages in menu order; each is shown to the roles the contract gives its area. */
export const AREAS = ['people', 'tempCerts', 'resign', 'statistics', 'audit', 'evidence'] as const;
export type Area = (typeof AREAS)[number];

/** The pages these roles may open. The service checks every route itself; the menu only hides. */
export function areasFor(roles: readonly AdminRole[]): Area[] {
  return AREAS.filter((area) => (ADMIN_AREA_ROLES[area] as readonly AdminRole[]).some((role) => roles.includes(role)));
}
