// Shared jest settings for every project: TypeScript through swc (types are checked by `npm run typecheck`,
// not at test time), node environment, and tsconfig path aliases resolved by Nx's resolver.
module.exports = {
  testEnvironment: 'node',
  resolver: '@nx/jest/plugins/resolver',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['**/?(*.)+(test).ts'],
  testEnvironmentOptions: { customExportConditions: ['node', 'require', 'default'] },
  coverageReporters: ['text-summary'],
};
