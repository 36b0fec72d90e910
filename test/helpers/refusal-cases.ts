import type { InjectOptions } from 'fastify';
import { isErrorCode, messageOf } from '../../src-shared/common/errors.js';
import { call, type TestService } from './service.js';
import { snapshot } from './snapshot.js';

/** A request the service must refuse: with one of `status` and one of `codes`. */
export interface RefusalCase {
  name: string;
  status: readonly number[];
  codes: readonly string[];
  request: () => Promise<InjectOptions>;
}

/**
 * Sends each case in turn and says what went wrong with each: another status or code than
 * expected, a message that is not the catalogue's sentence for the code, or any table changed
 * (a refusal changes nothing). An empty list is a pass.
 */
export async function refusalFailures(service: TestService, cases: readonly RefusalCase[]): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    const options = await c.request();
    const before = await snapshot(service.ctx.storage.db);
    const r = await call(service, options);
    const after = await snapshot(service.ctx.storage.db);
    const body = r.body as { code?: string; message?: string };
    if (!c.status.includes(r.status) || !c.codes.includes(body.code ?? ''))
      failures.push(`${c.name}: got ${r.status} ${body.code ?? r.raw.toString().slice(0, 80)}, expected ${c.status.join('|')} ${c.codes.join('|')}`);
    else if (!isErrorCode(body.code) || body.message !== messageOf(body.code)) failures.push(`${c.name}: message is not the catalogue's sentence`);
    if (before !== after) failures.push(`${c.name}: the database changed`);
  }
  return failures;
}
