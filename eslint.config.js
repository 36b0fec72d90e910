// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers (docs/architecture.md): each top-level folder is a runtime, and may import only
 * what its runtime allows. These rules are errors, so a wrong import fails `npm test`.
 */
const otherLayers = {
  shared: ['**/src-server/**', '**/src-main/**', '**/src-renderer/**'],
  server: ['**/src-main/**', '**/src-renderer/**'],
  main: ['**/src-server/**', '**/src-renderer/**'],
  renderer: ['**/src-server/**', '**/src-main/**'],
};

/** @param {string[]} groups @param {string} why */
const restrict = (groups, why, paths = /** @type {string[]} */ ([])) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups, message: why }], paths: paths.map((name) => ({ name, message: why })) }],
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
    // Tests poke at untyped JSON answers; migrations take Kysely<any> by design (they never import app types).
    files: ['test/**', 'bench/**', 'src-server/storage/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src-shared/**'],
    rules: restrict([...otherLayers.shared], 'src-shared is the contract both sides use: it imports none of them.', ['electron', 'fastify', 'kysely']),
  },
  {
    files: ['src-server/**'],
    rules: restrict([...otherLayers.server], 'The document service imports only src-shared.', ['electron']),
  },
  {
    files: ['src-main/**'],
    ignores: ['src-main/shell/**'],
    rules: restrict([...otherLayers.main], 'Only the Electron shell (src-main/shell) imports electron; the rest of src-main runs under plain Node.', ['electron']),
  },
  {
    files: ['src-main/shell/**'],
    rules: restrict([...otherLayers.main], 'The shell imports src-shared and the rest of src-main only.'),
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      [...otherLayers.renderer, 'node:*', '**/src-shared/cms/**', '**/src-shared/pki/**', '**/src-shared/content-digest*'],
      'The renderer is a sandboxed web page: it uses src-shared types and formatting, never Node or crypto.',
      ['electron', 'fs', 'path', 'crypto', 'child_process'],
    ),
  },
);
