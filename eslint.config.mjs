// Root lint configuration. Module boundaries (which project may import which, and which external packages
// each layer may use) are the architecture of the repository: change them deliberately, never to "*".
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const DB = ['better-sqlite3', 'drizzle-orm', 'drizzle-orm/*', 'drizzle-kit'];
const WEB = ['fastify', 'fastify-plugin', '@fastify/*', 'close-with-grace', 'openhim-mediator-utils'];
const HTTP = ['undici'];
const TEST_ONLY = ['type:testing', 'type:tool'];
const SCHEMA = ['ajv', 'ajv/*', 'ajv-formats', 'env-schema'];

export default [
  { ignores: ['**/node_modules', '**/dist', '**/coverage', '**/.nx', '**/tmp', '**/drizzle/meta'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...tseslint.configs.strictTypeChecked.map((c) => ({ ...c, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/explicit-function-return-type': [
        'error',
        { allowExpressions: true, allowTypedFunctionExpressions: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Fastify hooks and handlers are async by contract, whether or not they await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: false,
          checkDynamicDependenciesExceptions: [],
          allow: [],
          // Simulators (type:tool) and test helpers (type:testing) may be imported by tests of any layer; the
          // no-restricted-imports rule below keeps them out of production code.
          depConstraints: [
            {
              sourceTag: 'type:types',
              onlyDependOnLibsWithTags: ['type:types'],
              bannedExternalImports: [...DB, ...WEB, ...HTTP, ...SCHEMA],
            },
            {
              sourceTag: 'type:util',
              onlyDependOnLibsWithTags: ['type:util', 'type:types', ...TEST_ONLY],
              bannedExternalImports: [...DB, ...WEB, ...HTTP],
            },
            // Only the FHIR validator and the mapping DSL compile JSON Schemas; shared utilities stay dependency-light.
            {
              allSourceTags: ['type:util', 'scope:shared'],
              onlyDependOnLibsWithTags: ['type:util', 'type:types', ...TEST_ONLY],
              bannedExternalImports: [...SCHEMA],
            },
            {
              sourceTag: 'type:transport',
              onlyDependOnLibsWithTags: ['type:util', 'type:types', ...TEST_ONLY],
              bannedExternalImports: [...DB, ...WEB, ...SCHEMA],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:transport', 'type:util', 'type:types', ...TEST_ONLY],
              bannedExternalImports: [...WEB, ...SCHEMA],
            },
            // Only the staging store talks to SQLite.
            { sourceTag: '/^scope:(?!staging$).*$/', bannedExternalImports: [...DB] },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:transport',
                'type:util',
                'type:types',
                ...TEST_ONLY,
              ],
              bannedExternalImports: [...DB],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:transport',
                'type:util',
                'type:types',
                'type:testing',
                'type:tool',
              ],
              bannedExternalImports: [...DB, ...HTTP],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:transport',
                'type:util',
                'type:types',
                'type:testing',
                'type:tool',
              ],
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:transport',
                'type:util',
                'type:types',
                'type:testing',
                'type:tool',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // Test helpers, simulators and the sandbox are for tests, tools and demos: never for production code.
    files: ['apps/**/src/**/*.ts', 'libs/**/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/src/testing.ts', '**/src/testing/**', 'libs/shared/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@payment-layer/*/testing',
                '@payment-layer/shared-testing',
                '@payment-layer/sandbox',
                '@payment-layer/bench',
              ],
              message: 'test helpers and simulators are for tests only',
            },
            {
              group: ['@payment-layer/*/src/*', '@payment-layer/*/src'],
              message: 'import a library through its public entry point',
            },
          ],
        },
      ],
    },
  },
  {
    // Flow code never turns an amount into a JS number: money goes through @payment-layer/shared-money.
    files: ['apps/**/src/**/*.ts', 'libs/**/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'parseFloat', message: 'money is never a float: use @payment-layer/shared-money' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Number',
          property: 'parseFloat',
          message: 'money is never a float: use @payment-layer/shared-money',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/explicit-function-return-type': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  { files: ['**/*.cjs', '**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
];
