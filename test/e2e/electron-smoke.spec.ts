import { _electron, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_ELECTRON_SENTENCE, electronBinary } from '../../scripts/electron-binary.js';

// The real app, when this machine has Electron's binary; without it, this says so and skips.
const binary = electronBinary();

test('the Electron app starts sandboxed, with the bridge and nothing of Node in the page', async () => {
  test.skip(binary === null, `skipped: ${NO_ELECTRON_SENTENCE}`);
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const app = await _electron.launch({
    executablePath: binary!,
    args: ['.', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'gongwen-electron-'))}`, '--no-sandbox'],
    env: { ...process.env, GONGWEN_SERVICE_URL: 'http://127.0.0.1:9' },
  });
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { name: '登入電子公文系統' })).toBeVisible();
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as unknown as { gongwen: { invoke: unknown } }).gongwen.invoke)).toBe('function');
    expect(page.url()).toMatch(/^app:\/\/gongwen\//);
  } finally {
    await app.close();
  }
});
