import { readFileSync } from 'node:fs';

/**
 * The fenced blocks of a markdown page tagged for a test: "```sh {step=login}" is a shell step,
 * "```js {file=countersign.mjs}" a file the page asks the reader to save. The test runs exactly
 * these, so the page and the test cannot drift apart.
 */
export interface MarkdownBlock {
  kind: 'step' | 'file';
  name: string;
  text: string;
}

export function taggedBlocks(path: string): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  const fence = /^```\w*\s*\{(step|file)=([^}\s]+)\}\s*\n([\s\S]*?)^```\s*$/gm;
  for (const m of readFileSync(path, 'utf8').matchAll(fence)) blocks.push({ kind: m[1] as MarkdownBlock['kind'], name: m[2]!, text: m[3]! });
  return blocks;
}

/** The one block of that name (a page that names two alike is a mistake the test should say). */
export function blockNamed(blocks: readonly MarkdownBlock[], name: string): MarkdownBlock {
  const found = blocks.filter((b) => b.name === name);
  if (found.length !== 1) throw new Error(`the page has ${found.length} blocks named ${name}`);
  return found[0]!;
}
