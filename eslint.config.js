import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'roster-data/', 'bench/data/', 'dist/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The engine stays free of storage, HTTP, jobs and the file system (DESIGN.md, principle 1).
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'node:fs',
            'fs/promises',
            'node:fs/promises',
            'pg',
            'pg-boss',
            'kysely',
            'fastify',
            '@electric-sql/pglite',
          ],
          patterns: ['**/store/**', '**/api/**', '**/jobs/**', '**/files/**', '**/cli/**'],
        },
      ],
    },
  },
  {
    // The doors (CLI, HTTP) sit on top: nothing below them imports them.
    files: ['src/store/**/*.ts', 'src/jobs/**/*.ts', 'src/files/**/*.ts', 'src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/cli/**'] }],
    },
  },
  {
    files: ['src/store/**/*.ts', 'src/jobs/**/*.ts', 'src/files/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/cli/**', '**/api/**'] }],
    },
  },
);
