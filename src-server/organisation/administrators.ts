import { GongwenError } from '../../src-shared/common/errors.js';
import { rolesOf } from '../admin/roles.js';
import type { Actor, ServiceContext } from '../context.js';

/**
 * An administrator of the API the desktop app's session reaches (separation, every unit's
 * figures): 系統管理者, the console's `it-admin` role, held in the database (given by the CLI or
 * an it-admin in the console, audited) or by configuration (the accounts GONGWEN_ADMINISTRATORS
 * names, which no request can take away). Read on every request, so a revoked role acts at once.
 */
export async function isAdministrator(ctx: ServiceContext, actor: Actor): Promise<boolean> {
  return (await rolesOf(ctx, actor.id, actor.account)).includes('it-admin');
}

export async function requireAdministrator(ctx: ServiceContext, actor: Actor): Promise<void> {
  if (!(await isAdministrator(ctx, actor))) throw new GongwenError('ADMINISTRATOR_REQUIRED');
}
