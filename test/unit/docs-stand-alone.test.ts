import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every file git tracks, as a clone has it (the lock file is npm's, not prose). */
const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && f !== 'package-lock.json' && /\.(md|ts|tsx|mjs|js|json|sh|service|txt)$/.test(f) && existsSync(f));
const prose = tracked.filter((f) => f.endsWith('.md'));

// Where the project's working notes lived beside the repository: a clone has none of it.
const OUTSIDE = [
  /\.\.\/shared\//,
  /\bshared\/(seed|notes)\b/,
  /\/work\/(shared|main|wt)\b/,
  /faq-temporary-certificate/,
  /\bplatform-facts\.md\b/,
  /\bagency-rules\.md\b/,
];
const THIS_FILE = 'test/unit/docs-stand-alone.test.ts';

describe('the README, docs and code stand alone in a clone', () => {
  it('refer to nothing outside the repository', () => {
    const found: string[] = [];
    for (const file of tracked.filter((f) => f !== THIS_FILE)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (OUTSIDE.some((pattern) => pattern.test(line))) found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('link only to files the repository has', () => {
    const broken: string[] = [];
    for (const file of prose) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = normalize(join(dirname(file), decodeURI(target!.split('#')[0]!)));
        if (!existsSync(path)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('explain the workflow the code names: IFT930, IFT940, 補簽, the flow table and the seed', () => {
    const workflow = readFileSync('docs/workflow.md', 'utf8');
    for (const heading of ['### The flow table', '### IFT930', '### IFT940: 補簽', '## The seed']) expect(workflow).toContain(heading);
  });
});
