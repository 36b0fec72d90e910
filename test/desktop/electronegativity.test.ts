import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Electronegativity (Doyensec's scanner for Electron misconfigurations) over the shell, the
 * preload and the page: no HIGH finding. It runs offline against the Electron version we ship.
 */
describe('the Electron security scan', () => {
  it('finds nothing of high severity in the shell, the preload and the page', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eneg-'));
    for (const f of ['src-main/shell/main.ts', 'src-main/shell/preload.ts', 'src-main/shell/security.ts', 'src-renderer/index.html'])
      copyFileSync(f, join(dir, f.split('/').pop()!));
    const version = (JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')) as { version: string }).version;
    const out = join(dir, 'findings.csv');
    execFileSync('npx', ['electronegativity', '-i', dir, '-e', version, '-o', out], { stdio: 'pipe', timeout: 120_000 });
    const findings = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
    const high = findings.filter(([, severity]) => severity === 'HIGH').map(([issue, , , file, location]) => `${issue} ${file}:${location}`);
    expect(high).toEqual([]);
  });
});
