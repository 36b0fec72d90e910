import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** The rules government software is held to here: WCAG 2.1 A and AA. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa'];

/**
 * axe over the whole page as it stands: no serious or critical violation. The state's name goes in
 * the failure message so a regression says which screen it was.
 */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const found = serious.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`),
  );
  expect.soft(found, `axe on "${state}"`).toEqual([]);
}

/** Keyboard focus is somewhere the clerk can act from: never the page body, where the next Tab starts over. */
export async function expectFocusNotLost(page: Page, after: string): Promise<void> {
  await expect(page.locator('body'), `focus fell to the page body after ${after}`).not.toBeFocused();
}
