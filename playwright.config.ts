import { defineConfig } from '@playwright/test';

// End-to-end tests: the built renderer in Debian's Chromium, with window.gongwen bound to the
// same IPC handlers the Electron shell registers, over the real service, card and keychain.
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/playwright',
  timeout: 90_000,
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-TW',
    timezoneId: 'Asia/Taipei',
    // The clerk's "reduce motion" setting, which the app honours (theme.ts): axe then judges each
    // screen as it stands, not a dialog or help text halfway through fading in or out.
    reducedMotion: 'reduce',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
