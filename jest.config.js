// Two projects, as in serverless-test-samples: fast unit tests (domain, handlers with SDK mocks)
// and integration tests (synthesized stack, state machines run by the local engine, end-to-end local runs).
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }];

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  setupFiles: ['<rootDir>/test/setup/quiet-powertools.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/matchers.ts'],
};

export default {
  // A global option: set inside a project it is ignored. Integration tests synthesize the stack and run whole
  // workflows; on a cold machine the first of them takes well over Jest's 5 s default.
  testTimeout: 120_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
  ],
};
