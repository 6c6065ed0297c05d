// The end-to-end run on the tiny model. Not a project of the main jest.config.js: `npm test` must pass without
// the ML environment; `npm run test:ml` runs this after creating it.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }];

export default {
  rootDir: '../..',
  testTimeout: 600_000,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  setupFilesAfterEnv: ['<rootDir>/test/setup/matchers.ts'],
  testMatch: ['<rootDir>/test/ml/**/*.test.ts'],
};
