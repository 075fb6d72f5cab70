/** @type {import('jest').Config} */
const transform = {
  // Type-checking is `npm run typecheck`'s job; tests only transpile (fast, per file).
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: {
        ...require('./tsconfig.json').compilerOptions,
        isolatedModules: true,
        sourceMap: true,
      },
      diagnostics: false,
    },
  ],
};
// @fastify/static (Swagger UI assets) requires content-disposition 3, which is ESM-only and
// cannot be required inside Jest's CommonJS sandbox; its 1.x release has the same API in CJS.
const moduleNameMapper = { '^content-disposition$': 'content-disposition-cjs' };

module.exports = {
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      // *.e2e-spec.ts drive the app over HTTP; *.medium-spec.ts its services and repositories
      // (test/support/medium.ts). Both get a private database per file from the global setup.
      testMatch: ['**/*.e2e-spec.ts', '**/*.medium-spec.ts'],
      transform,
      moduleNameMapper,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      // Every response of every e2e test is checked against docs/openapi.json, and the logs
      // its apps wrote for secrets and personal data.
      setupFilesAfterEnv: [
        '<rootDir>/test/support/openapi-conformance.setup.ts',
        '<rootDir>/test/support/log-hygiene.setup.ts',
      ],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
