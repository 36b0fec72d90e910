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
  expect.soft(await labelsOnSharedIds(page), `labels naming an id two fields share, on "${state}"`).toEqual([]);
}

/**
 * A label whose `for` names an id that two elements carry labels the first one only: a screen
 * with two forms that each have a "pin" field (Ant Design's ids are the field names unless the
 * form has a name) reads the wrong field's name to a screen reader, and a click on the label
 * focuses the other form's field. axe 4 no longer checks duplicate ids, so this does.
 */
async function labelsOnSharedIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> } }).document;
    const counts = new Map<string, number>();
    for (const el of Array.from(doc.querySelectorAll('[id]'))) counts.set(el.getAttribute('id')!, (counts.get(el.getAttribute('id')!) ?? 0) + 1);
    const named = Array.from(doc.querySelectorAll('label[for]')).map((l) => l.getAttribute('for')!);
    return [...new Set(named.filter((id) => (counts.get(id) ?? 0) > 1))];
  });
}

/** Keyboard focus is somewhere the clerk can act from: never the page body, where the next Tab starts over. */
export async function expectFocusNotLost(page: Page, after: string): Promise<void> {
  await expect(page.locator('body'), `focus fell to the page body after ${after}`).not.toBeFocused();
}
