import { GongwenError } from '../../src-shared/common/errors.js';
import type { Actor, ServiceContext } from '../context.js';

/**
 * The service's one administrative role: the accounts GONGWEN_ADMINISTRATORS names. Kept in the
 * configuration, not in the database, so that no request can make someone an administrator: the
 * list changes only where the service is deployed (docs/security.md).
 */
export function isAdministrator(ctx: ServiceContext, actor: Actor): boolean {
  return ctx.administrators.has(actor.account);
}

export function requireAdministrator(ctx: ServiceContext, actor: Actor): void {
  if (!isAdministrator(ctx, actor)) throw new GongwenError('ADMINISTRATOR_REQUIRED');
}
