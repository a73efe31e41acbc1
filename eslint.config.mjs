// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Workflow code runs in Temporal's deterministic sandbox: it may not do I/O, read the clock or
 * randomness directly, or import provider SDKs. These rules make that boundary structural
 * (after samples-typescript `.shared/.eslintrc.js`).
 */
const workflowForbiddenImports = {
  patterns: [
    { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins. Do I/O in an activity.' },
    { group: ['openai', 'openai/*', '@azure/*'], message: 'Workflow code never talks to a provider: use an activity.' },
    { group: ['**/providers/**', '**/activities/**', '**/emulator/**', '**/dev-server/**'], message: 'Workflow code may import only src/shared and src/workflows (type-only imports of activities are fine).', allowTypeImports: true },
    { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'], message: 'Workflow code uses @temporalio/workflow only.', allowTypeImports: true },
  ],
  paths: ['fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'events', 'stream', 'util', 'zlib'].map((name) => ({
    name,
    message: 'Workflow code is deterministic: no Node built-ins. Do I/O in an activity.',
  })),
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'jest.config.js', 'eslint.config.mjs', 'test/histories/**', 'test/packaging/consumer/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain CommonJS scripts (examples, screenshot script, test fixtures run as child processes).
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: Object.fromEntries(['require', 'module', 'exports', 'process', 'console', '__dirname', '__filename', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Buffer', 'URL', 'AbortController', 'fetch'].map((name) => [name, 'readonly'])),
    },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-redeclare': ['error', { builtinGlobals: false }] },
  },
  {
    // ES module scripts (the OpenID provider fixture: oidc-provider ships only ES modules).
    files: ['**/*.mjs'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(['process', 'console', 'setTimeout', 'clearTimeout', 'Buffer', 'URL'].map((name) => [name, 'readonly'])),
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', workflowForbiddenImports],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code may not read the environment.' },
      ],
    },
  },
);
