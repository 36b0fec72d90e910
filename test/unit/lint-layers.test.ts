import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of eslint.config.js, run through ESLint's Node API on in-memory sources placed
 * (by file path only) in each folder: a forbidden import fails with its group's own message, an
 * allowed one passes. Nothing is written to the tree.
 */
// The sources are in memory, outside any TypeScript project: the type-aware rules (which need one)
// are switched off here; they are not what this test is about.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: [
    {
      files: ['**/*.ts', '**/*.tsx'],
      languageOptions: { parserOptions: { project: null } },
      rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/switch-exhaustiveness-check': 'off' },
    },
  ],
});

/** The no-restricted-imports messages ESLint gives `source` as if it were the file at `path`. */
async function layerErrors(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = x;\n`, { filePath: join(process.cwd(), path) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint keeps each layer to what its runtime allows', () => {
  it('native/ may not import the document service, the main process or the page', async () => {
    expect(await layerErrors('native/new-module.ts', "import { x } from '../src-server/service.js';")).toEqual([
      expect.stringMatching(/native may not import this: src-server is the document service/),
    ]);
    expect(await layerErrors('native/new-module.ts', "import { x } from '../src-main/card/card-service.js';")).toEqual([
      expect.stringMatching(/native may not import this: src-main is the desktop main process/),
    ]);
    expect(await layerErrors('native/new-module.ts', "import { x } from '../src-renderer/main.js';")).toEqual([
      expect.stringMatching(/native may not import this: src-renderer is the sandboxed page/),
    ]);
    expect(await layerErrors('native/new-module.ts', "import { x } from './pkcs11-modules.js';")).toEqual([]);
  });

  it('tools/ (demo data, test PKI, virtual card) may import anything, and nothing that ships may import it', async () => {
    expect(await layerErrors('tools/demo/new-tool.ts', "import { x } from '../../src-server/service.js';")).toEqual([]);
    for (const path of ['src-server/new-module.ts', 'src-main/card/new-module.ts', 'src-shared/common/new-module.ts', 'native/new-module.ts']) {
      const depth = '../'.repeat(path.split('/').length - 1);
      expect(await layerErrors(path, `import { x } from '${depth}tools/demo/demo-pki.js';`), path).toEqual([
        expect.stringMatching(/may not import this: tools\/ holds the demo data/),
      ]);
    }
  });

  it('the renderer may not import Node-only shared code, Node built-ins, other layers or electron', async () => {
    const page = 'src-renderer/pages/new-page.tsx';
    expect(await layerErrors(page, "import { x } from '../../src-shared/node/cms/parse.js';")).toEqual([
      expect.stringMatching(/src-renderer may not import this: only src-shared\/common is browser-safe/),
    ]);
    expect(await layerErrors(page, "import { x } from 'node:fs';")).toEqual([
      expect.stringMatching(/src-renderer may not import this: Node built-ins do not exist in a sandboxed page/),
    ]);
    expect(await layerErrors(page, "import { x } from '../../src-main/ipc/dispatch.js';")).toEqual([
      expect.stringMatching(/src-renderer may not import this: src-main is the desktop main process/),
    ]);
    expect(await layerErrors(page, "import { x } from '../../native/pkcs11-modules.js';")).toEqual([
      expect.stringMatching(/src-renderer may not import this: native\/ is the PKCS#11 module table/),
    ]);
    expect(await layerErrors(page, "import { x } from 'electron';")).toEqual([
      expect.stringMatching(/src-renderer may not import electron: the renderer is a sandboxed web page/),
    ]);
    expect(await layerErrors(page, "import { x } from '../../src-shared/common/roc-date.js';")).toEqual([]);
  });

  it('the admin console takes src-shared/common only, and nothing imports it', async () => {
    const page = 'src-admin/pages/NewPage.tsx';
    expect(await layerErrors(page, "import { x } from '../../src-shared/common/roc-date.js';")).toEqual([]);
    expect(await layerErrors(page, "import { x } from '../../src-shared/node/cms/parse.js';")).toEqual([
      expect.stringMatching(/src-admin may not import this: only src-shared\/common is browser-safe/),
    ]);
    expect(await layerErrors(page, "import { x } from '../../src-server/service.js';")).toEqual([
      expect.stringMatching(/src-admin may not import this: src-server is the document service/),
    ]);
    expect(await layerErrors(page, "import { x } from '../../src-renderer/theme.js';")).toEqual([
      expect.stringMatching(/src-admin may not import this: src-renderer is the sandboxed page/),
    ]);
    expect(await layerErrors(page, "import { x } from 'node:fs';")).toEqual([
      expect.stringMatching(/src-admin may not import this: Node built-ins do not exist in a sandboxed page/),
    ]);
    for (const path of ['src-server/http/new-module.ts', 'src-renderer/screens/New.tsx', 'src-shared/common/new-module.ts', 'src-main/app/new-module.ts']) {
      const depth = '../'.repeat(path.split('/').length - 1);
      expect(await layerErrors(path, `import { x } from '${depth}src-admin/api.js';`), path).toEqual([
        expect.stringMatching(/may not import this: src-admin is the admin console/),
      ]);
    }
  });

  it('the browser-safe half of src-shared takes nothing of Node', async () => {
    expect(await layerErrors('src-shared/common/new-module.ts', "import { x } from '../node/cms/parse.js';")).toEqual([
      expect.stringMatching(/src-shared\/common may not import this: src-shared\/node runs on node:crypto/),
    ]);
    expect(await layerErrors('src-shared/common/new-module.ts', "import { x } from 'node:crypto';")).toEqual([
      expect.stringMatching(/src-shared\/common may not import this: Node built-ins/),
    ]);
    expect(await layerErrors('src-shared/node/new-module.ts', "import { x } from '../common/errors.js';")).toEqual([]);
  });

  it('the service, the shared contract and the main process keep to their own', async () => {
    expect(await layerErrors('src-server/new-module.ts', "import { x } from '../native/pkcs11-modules.js';")).toEqual([
      expect.stringMatching(/src-server may not import this: native\//),
    ]);
    expect(await layerErrors('src-shared/new-module.ts', "import { x } from '../src-server/service.js';")).toEqual([
      expect.stringMatching(/src-shared may not import this: src-server/),
    ]);
    expect(await layerErrors('src-main/card/new-module.ts', "import { x } from '../../src-server/service.js';")).toEqual([
      expect.stringMatching(/src-main may not import this: src-server/),
    ]);
    expect(await layerErrors('src-main/card/new-module.ts', "import { x } from 'electron';")).toEqual([
      expect.stringMatching(/src-main may not import electron: only the Electron shell/),
    ]);
    expect(await layerErrors('src-main/shell/new-module.ts', "import { x } from 'electron';")).toEqual([]);
  });

  it('a migration uses libraries only, never project code that could change under it', async () => {
    const migration = 'src-server/storage/migrations/20991231-0099-new.ts';
    expect(await layerErrors(migration, "import { x } from '../../../src-shared/cms/parse.js';")).toEqual([
      expect.stringMatching(/a migration may not import this: a migration is frozen once it lands/),
    ]);
    expect(await layerErrors(migration, "import { x } from '../schema.js';")).toEqual([expect.stringMatching(/a migration is frozen/)]);
    expect(await layerErrors(migration, "import { x } from './20261127-0001-initial.js';")).toEqual([expect.stringMatching(/a migration is frozen/)]);
    expect(await layerErrors(migration, "import { x } from 'pkijs';")).toEqual([]);
  });
});
