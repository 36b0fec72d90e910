import { chromium } from '@playwright/test';
import { serveRenderer } from '../test/e2e/harness.js';
import { lowerIsBetter, type BenchRow } from './lib/measure.js';

/**
 * The inbox with 10,000 documents in Chromium: the built renderer, its bridge answered in the page
 * (this measures the UI, not the service). Time from the data's arrival to the first rows on
 * screen, and from a click on the next page to its rows (the service pages the inbox, 50 a page).
 */
export async function benchInbox(count = 10_000): Promise<BenchRow[]> {
  const renderer = await serveRenderer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
    ],
  });
  try {
    // The probes are evaluated as strings, which the renderer's CSP (rightly) forbids; it does not affect rendering.
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-TW', bypassCSP: true });
    await page.addInitScript(`globalThis.__benchCount = ${count};`);
    await page.addInitScript({ path: 'bench/inbox-page.js' });
    await page.goto(renderer.url);
    await page.waitForFunction('globalThis.__firstRows !== undefined', null, { timeout: 30_000 });
    const firstRowsMs = (await page.evaluate('globalThis.__firstRows - globalThis.__dataArrived')) as number;
    const pages: number[] = [];
    for (let p = 2; p <= 6; p++) pages.push((await page.evaluate(`globalThis.__benchNextPage('115${String((p - 1) * 50 + 1).padStart(7, '0')}')`)) as number);
    pages.sort((a, b) => a - b);
    return [
      lowerIsBetter(`inbox: first rows after the data arrives (${count.toLocaleString('en')} documents)`, firstRowsMs, 'ms', '300 ms', 300),
      lowerIsBetter('inbox: next page on screen after the click (worst of 5)', pages.at(-1)!, 'ms', '200 ms', 200, {
        medianMs: Number(pages[2]!.toFixed(1)),
      }),
    ];
  } finally {
    await browser.close();
    await renderer.close();
  }
}
