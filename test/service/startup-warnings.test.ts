import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testPki } from '../helpers/demo-pki.js';
import { freePort } from '../helpers/http-service.js';

/**
 * Starts `serve` on a data folder, returns what it printed up to "document service on" (and, when
 * `alsoWaitFor` is given, up to that too: stdout and stderr are two pipes, read in either order),
 * and stops it.
 */
async function startupOutput(dataDir: string, alsoWaitFor?: RegExp): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'serve', '--port', String(port)], {
    env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '', GONGWEN_CARD_ROOTS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('document service on') && (!alsoWaitFor || alsoWaitFor.test(output))) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${output}`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
  return output;
}

describe('serve warns at start when no card root is trusted', () => {
  it('warns, naming the file to fill, when there is none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-warn-'));
    const output = await startupOutput(dataDir, /no card root is trusted/i);
    expect(output).toMatch(/no card root is trusted.*every card signature will be refused/i);
    expect(output).toContain(join(dataDir, 'trust', 'card-roots.pem'));
  }, 120_000);

  it('says nothing of it when a root is trusted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-warn-'));
    mkdirSync(join(dataDir, 'trust'));
    writeFileSync(join(dataDir, 'trust', 'card-roots.pem'), (await testPki()).gcaRootPem);
    const output = await startupOutput(dataDir);
    expect(output).not.toMatch(/card root/i);
  }, 120_000);
});
