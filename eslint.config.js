/**
 * ESLint (flat config), type-aware through typescript-eslint, on src/, tests/ and bench/.
 *
 * - Everywhere: a promise must be awaited, returned or explicitly handled (`no-floating-promises`),
 *   and never passed where a plain callback or a condition is expected (`no-misused-promises`).
 *   In workflow code a forgotten `await` on an activity or a child silently drops its result and
 *   its failure; elsewhere it turns an error into an unhandled rejection.
 * - src/workflows/**: Temporal's workflow sandbox (the idea of the temporalio samples'
 *   `.eslintrc.js`). Workflow code is bundled and evaluated again for every workflow, and must be
 *   deterministic, so it may not load Node built-ins, activity implementations, zod or any module
 *   that does I/O. Types are erased from the bundle, so `import type` stays allowed where it is
 *   useful (activity contracts, zod-inferred record types).
 *
 * Import layers (which folder may import which) are checked by dependency-cruiser:
 * `.dependency-cruiser.cjs`.
 */
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Bare names (`fs`, `path`); the `node:` forms are one pattern below. */
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_') && !name.startsWith('node:'));

/** What the Temporal workflow sandbox must never load. */
const workflowSandboxPatterns = [
  {
    group: ['node:*'],
    message: 'Node built-ins are not available in the Temporal workflow sandbox; do the work in an activity.',
  },
  {
    group: ['**/activities', '**/activities/*'],
    allowTypeImports: true,
    message:
      'Workflow code never runs activity implementations: import only types (`import type`, e.g. from activities/contracts) and call activities through the proxies in workflows/policies.ts.',
  },
  {
    group: ['zod', 'zod/*'],
    allowTypeImports: true,
    message: 'No zod in workflow code: the sandbox evaluates the bundle again for every workflow, and zod costs real time there.',
  },
  {
    // Everything in src/ outside the pure, zod-free modules workflow code runs: shared/,
    // config/plan and config/strategies (and workflows/ itself, imported as `./…`).
    regex: String.raw`^\.\./(?!shared/|config/(plan|strategies)$)`,
    allowTypeImports: true,
    message:
      'At run time workflow code may load only workflows/, shared/, config/plan and config/strategies (pure and zod-free); everything else does I/O or holds zod schemas: import its types with `import type` and do the work in an activity.',
  },
  {
    group: ['@temporalio/*', '!@temporalio/workflow', '!@temporalio/common'],
    message: 'Workflow code may use only @temporalio/workflow and @temporalio/common.',
  },
  {
    group: ['openai', 'node-llama-cpp', 'yaml', 'csv-parse', 'csv-parse/*', 'csv-stringify', 'csv-stringify/*', 'commander'],
    message: 'This package does I/O or is not deterministic: use it from an activity, not from workflow code.',
  },
];

export default defineConfig(
  {
    ignores: ['node_modules/**', 'ml/**', '.synthlab/**', 'results/**'],
  },
  {
    files: ['src/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Node built-ins are not available in the Temporal workflow sandbox; do the work in an activity.',
          })),
          patterns: workflowSandboxPatterns,
        },
      ],
    },
  },
);
