// ESLint (flat config): type-aware typescript-eslint and the React Hooks rules over the app,
// its tests, the e2e suite, the bench, the scripts and the config files. `npm run lint`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Build output, installs and the Python side (ruff owns model-export).
    ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'blob-report/', 'model-export/', 'public/', 'docs/',
      // Generated from the manifest schema by `npm run gen:types`; its own test keeps it current.
      'src/engine/manifest.types.ts', 'src/engine/manifest.validate.js'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked against the tsconfig that includes it (tsconfig.app/node/test.json).
        projectService: {
          // The scripts' hand-written declarations, which no tsconfig includes. (Plain JS is linted without types, below.)
          allowDefaultProject: ['scripts/*.d.mts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_name` marks a parameter or binding kept on purpose (tsc's noUnused* agree).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // With verbatimModuleSyntax, `import { type A } from './m'` still loads ./m (as `import {} from './m'`), while
      // dependency-cruiser counts it as type-only: `import type { A }` is the form that really loads nothing.
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Node-side code: scripts, the bench driver, the configs, the e2e runner.
    files: ['scripts/**', 'bench/*.mjs', '*.config.{ts,js}', '.dependency-cruiser.cjs', 'e2e/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'bench/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
  },
);
