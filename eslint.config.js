// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'dashboard/**', 'db/migrations/**', '**/build/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Node type stripping cannot run enums; use a const object or a union.' }],
    },
  },
  {
    // Workflow code is deterministic and bundled: only the Temporal workflow API and types (docs/conventions.md).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'Workflows may not use Node built-ins: they must stay deterministic.' },
            {
              group: ['@mikro-orm/*', 'koa', 'koa-*', '@koa/*', 'openid-client', 'pino', 'pg', 'jose', 'oidc-provider'],
              message: 'Workflows may import only @temporalio/workflow, @temporalio/common and types.',
            },
            {
              group: ['**/activities/**', '**/db/**', '**/lib/**', '**/providers/**', '**/api/**'],
              allowTypeImports: true,
              message: 'Only `import type` from activities/ (and other app code) in workflows.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['providers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/db/**', '**/api/**', '**/activities/**', 'koa', '@koa/*', '@mikro-orm/*'], message: 'providers/ may import only lib/ and types.' },
          ],
        },
      ],
    },
  },
);
