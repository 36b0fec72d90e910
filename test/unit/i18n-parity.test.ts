import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Both languages say the same things: a key missing in one shows the clerk a bare key
 * ("resign.noteHelp") or falls back to the other language mid-screen, and a placeholder missing
 * in one drops a document number or a date from the sentence. Checked for the desktop app and
 * the admin console, with every literal key the code asks for.
 */
type Tree = { readonly [key: string]: string | Tree };
type Catalogue = Record<string, { translation: Tree }>;

/**
 * Loaded by path: a static import would make the root type check (Node's types, no DOM library)
 * compile the apps' React typings, which each app's own tsconfig checks.
 */
async function catalogueOf(app: string): Promise<Catalogue> {
  const path = new URL(`../../${app}/i18n.ts`, import.meta.url).pathname;
  return ((await import(path)) as { resources: Catalogue }).resources;
}

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The keys the code names literally: t('a.b'), t("a.b") and i18nKey="a.b". */
function keysAskedFor(dir: string): Set<string> {
  const keys = new Set<string>();
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*['"]([\w.-]+)['"]|i18nKey=['"]([\w.-]+)['"]/g)) keys.add((m[1] ?? m[2])!);
  }
  return keys;
}

describe.each([
  { app: 'desktop (src-renderer)', words: await catalogueOf('src-renderer'), dir: 'src-renderer' },
  { app: 'admin console (src-admin)', words: await catalogueOf('src-admin'), dir: 'src-admin' },
])('the $app speaks zh-TW and English alike', ({ words, dir }) => {
  const zh = leaves(words['zh-TW']!.translation);
  const en = leaves(words.en!.translation);

  it('has zh-TW and English only, zh-TW first', () => {
    expect(Object.keys(words)).toEqual(['zh-TW', 'en']);
  });

  it('has the same keys in both languages', () => {
    expect(
      [...zh.keys()].filter((k) => !en.has(k)),
      'in zh-TW, not in English',
    ).toEqual([]);
    expect(
      [...en.keys()].filter((k) => !zh.has(k)),
      'in English, not in zh-TW',
    ).toEqual([]);
  });

  it('has no empty sentence and the same placeholders in both languages', () => {
    const differing = [...zh].filter(([key, text]) => en.has(key) && placeholders(text).join() !== placeholders(en.get(key)!).join());
    expect(differing.map(([key]) => key)).toEqual([]);
    expect([...zh, ...en].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
  });

  it('has every key the code names literally', () => {
    // A key may name a subtree that the code reads whole (returnObjects), so a prefix counts.
    const known = (key: string) => zh.has(key) || [...zh.keys()].some((k) => k.startsWith(`${key}.`));
    const asked = [...keysAskedFor(dir)];
    expect(asked.length).toBeGreaterThan(20);
    expect(asked.filter((k) => !known(k))).toEqual([]);
  });
});
