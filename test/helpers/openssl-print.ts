import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceContext } from '../../src-server/context.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';

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

/** A document's evidence, exported as the service builds it, in a new folder: its path. */
export async function evidenceFolder(ctx: ServiceContext, documentId: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gongwen-evidence-'));
  await writeEvidence(await buildEvidence(ctx, documentId), dir);
  return dir;
}

/**
 * `openssl cms -verify` of `step-N.p7s` over `step-N.payload` in an evidence folder, trusting
 * `caFile` (one of its trust/ files), as the evidence README tells a relying party: throws, with
 * openssl's complaint, when it does not verify.
 */
export function opensslVerifyEvidenceStep(dir: string, seq: number, caFile = 'trust/temp-ca.pem'): void {
  const args = ['cms', '-verify', '-inform', 'DER', '-in', `step-${seq}.p7s`, '-binary', '-content', `step-${seq}.payload`];
  execFileSync('openssl', [...args, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl crl -text` of a DER CRL: what a relying party reads of it. */
export async function opensslCrlText(der: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gongwen-crl-'));
  try {
    await writeFile(join(dir, 'crl.der'), der);
    return execFileSync('openssl', ['crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-text'], { cwd: dir, encoding: 'utf8' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
