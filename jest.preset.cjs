// Shared jest settings for every project: TypeScript through swc (types are checked by `npm run typecheck`,
// not at test time), node environment, and tsconfig path aliases resolved by Nx's resolver.
module.exports = {
  testEnvironment: 'node',
  resolver: '@nx/jest/plugins/resolver',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  // Node >= 20.19 can require() ES modules, jest (before Node 24.9) cannot: compile the few ESM-only
  // dependencies of Fastify's inject (light-my-request → cookie 2) to CommonJS for tests.
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['**/?(*.)+(test).ts'],
  testEnvironmentOptions: { customExportConditions: ['node', 'require', 'default'] },
  coverageReporters: ['text-summary'],
};
