// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The layers (docs/architecture.md): each top-level folder is a runtime, and may import only
 * what its runtime allows. These rules are errors, so a wrong import fails `npm test`; each
 * forbidden group has its own sentence, so the message says which line was crossed and why.
 * test/unit/lint-layers.test.ts proves the rules fire.
 */
const layers = {
  server: {
    group: ['**/src-server/**'],
    why: 'src-server is the document service, another process (often another machine): the desktop reaches it over HTTP through src-main/service-client',
  },
  main: { group: ['**/src-main/**'], why: 'src-main is the desktop main process (card, keychain, outbox): only it and its shell import it' },
  renderer: { group: ['**/src-renderer/**'], why: 'src-renderer is the sandboxed page, bundled by Vite: nothing imports it' },
  admin: {
    group: ['**/src-admin/**'],
    why: 'src-admin is the admin console, a web page bundled by Vite and served by the service from out/admin: nothing imports it',
  },
  native: { group: ['**/native/**'], why: 'native/ is the PKCS#11 module table the desktop main process loads: only src-main imports it' },
  // An allow-list: the page may take from src-shared/common only; everything else in src-shared runs on Node.
  nodeShared: {
    regex: 'src-shared/(?!common/)',
    why: 'only src-shared/common is browser-safe; src-shared/node (cms, pki, content-digest) runs on node:crypto, which a sandboxed page does not have',
  },
  // The same line seen from inside src-shared, where the Node half is a sibling folder ('../node/…').
  siblingNode: {
    regex: '(^|/)node/',
    why: 'src-shared/node runs on node:crypto; src-shared/common is bundled into the sandboxed page, so it may not lean on it',
  },
  tools: {
    group: ['**/tools/**'],
    why: 'tools/ holds the demo data, the test PKI and the virtual card: they are for trying and testing the product, and nothing that ships may depend on them',
  },
  nodeBuiltins: { group: ['node:*'], why: 'Node built-ins do not exist in a sandboxed page' },
  projectCode: {
    group: ['./*', '../*', '**/src-*/**', '**/native/**', '**/tools/**'],
    why: 'a migration is frozen once it lands, so it may use libraries but no project code, which changes under it (see docs/architecture.md, Storage)',
  },
};

/**
 * `no-restricted-imports` for a folder: the layer groups it may not import, each with its own
 * message, and named modules (electron, Node built-ins) with the folder's sentence.
 * @param {string} folder @param {(keyof typeof layers)[]} forbidden
 * @param {{ names?: string[], why?: string }} [modules]
 */
const restrict = (folder, forbidden, modules = {}) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: forbidden.map((layer) => {
        const { group, regex, why } = /** @type {{ group?: string[], regex?: string, why: string }} */ (layers[layer]);
        return { ...(regex ? { regex } : { group }), message: `${folder} may not import this: ${why}.` };
      }),
      paths: (modules.names ?? []).map((name) => ({ name, message: `${folder} may not import ${name}: ${modules.why}` })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'data/**', 'test-results/**', '.test-pki/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: 'error',
      'no-console': 'off',
    },
  },
  {
    // Rules that need the types: a promise nobody awaits loses its error (a signed step's fate
    // among them), and a switch over a union must say what it does with every member.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.json', './src-renderer/tsconfig.json', './src-admin/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.tsx', 'test/renderer/**/*.tsx', 'src-admin/**/*.ts', 'src-admin/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Tests poke at untyped JSON answers; migrations take Kysely<any> by design (they never import app types).
    files: ['test/**', 'bench/**', 'src-server/storage/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src-shared/**'],
    rules: restrict('src-shared', ['server', 'main', 'renderer', 'admin', 'native', 'tools'], {
      names: ['electron', 'fastify', 'kysely'],
      why: 'src-shared is the contract both sides use, so it carries no runtime of either.',
    }),
  },
  {
    // The browser-safe half of the contract: the renderer bundles it, so it takes nothing of Node.
    files: ['src-shared/common/**'],
    rules: restrict('src-shared/common', ['server', 'main', 'renderer', 'admin', 'native', 'tools', 'nodeShared', 'siblingNode', 'nodeBuiltins'], {
      names: ['electron', 'fastify', 'kysely'],
      why: 'src-shared is the contract both sides use, so it carries no runtime of either.',
    }),
  },
  {
    files: ['src-server/**'],
    rules: restrict('src-server', ['main', 'renderer', 'admin', 'native', 'tools'], {
      names: ['electron'],
      why: 'the document service is a plain Node server.',
    }),
  },
  {
    // One way to write (docs/architecture.md, Storage): every write unit through storage.write,
    // and the steps table's rows spelled out in storage/steps.ts alone.
    files: ['src-server/**'],
    ignores: ['src-server/storage/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='transaction']",
          message: 'Write through storage.write (one unit per change); db.transaction() belongs to src-server/storage and the migrations.',
        },
        {
          selector: 'CallExpression[callee.property.name=/^(insertInto|updateTable|deleteFrom)$/][arguments.0.value=/^steps( as \\w+)?$/]',
          message: 'Steps rows are written by src-server/storage/steps.ts only: add a named function there.',
        },
      ],
    },
  },
  {
    files: ['src-server/storage/migrations/**'],
    rules: restrict('a migration', ['projectCode'], { names: ['electron'], why: 'the document service is a plain Node server.' }),
  },
  {
    files: ['src-main/**'],
    ignores: ['src-main/shell/**'],
    rules: restrict('src-main', ['server', 'renderer', 'admin', 'tools'], {
      names: ['electron'],
      why: 'only the Electron shell (src-main/shell) imports electron; the rest of src-main runs under plain Node.',
    }),
  },
  {
    files: ['src-main/shell/**'],
    rules: restrict('src-main/shell', ['server', 'renderer', 'admin', 'tools']),
  },
  {
    files: ['native/**'],
    rules: restrict('native', ['server', 'main', 'renderer', 'admin', 'tools'], {
      names: ['electron'],
      why: 'the PKCS#11 module table is plain data for the main process.',
    }),
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict('src-renderer', ['server', 'main', 'admin', 'native', 'tools', 'nodeShared', 'nodeBuiltins'], {
      names: ['electron', 'fs', 'path', 'crypto', 'child_process'],
      why: 'the renderer is a sandboxed web page: it reaches the desktop through window.gongwen only.',
    }),
  },
  {
    // The admin console is a web page like the renderer, served by the service: it takes the
    // browser-safe contract (src-shared/common) and its libraries, and reaches the service over HTTP.
    files: ['src-admin/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict('src-admin', ['server', 'main', 'renderer', 'native', 'tools', 'nodeShared', 'nodeBuiltins'], {
      names: ['electron', 'fs', 'path', 'crypto', 'child_process'],
      why: 'the admin console is a web page: it reaches the service over HTTP (/admin/api) only.',
    }),
  },
);
