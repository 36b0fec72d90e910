import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceContext } from '../../src-server/context.js';
import { buildEvidence } from '../../src-server/evidence/evidence.js';

/**
 * Exports the evidence of every document the service holds and reads each `step-N.p7s` with
 * `openssl cms -cmsout -print`, as anyone checking it outside the service would: whatever a suite
 * got the service to accept must be readable there. Returns the files openssl refused, with its
 * complaint. One shell for the whole set (a process per file would cost more than the suite).
 */
export async function signaturesOpensslCannotRead(ctx: ServiceContext): Promise<string[]> {
  const documents = await ctx.storage.db.selectFrom('documents').select('id').execute();
  const dir = await mkdtemp(join(tmpdir(), 'gongwen-print-'));
  try {
    let files = 0;
    for (const { id } of documents) {
      const evidence = await buildEvidence(ctx, id);
      for (const file of evidence.files.filter((f) => f.name.endsWith('.p7s'))) {
        await writeFile(join(dir, `${id}-${file.name}`), Buffer.from(file.contentBase64, 'base64'));
        files++;
      }
    }
    if (files === 0) return [];
    const script =
      'for f in *.p7s; do out=$(openssl cms -cmsout -print -inform DER -in "$f" 2>&1 >/dev/null); rc=$?; if [ $rc -ne 0 ] || [ -n "$out" ]; then echo "$f: $out" | tr "\\n" " " | head -c 300; echo; fi; done';
    const refused = execFileSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    return refused.split('\n').filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
