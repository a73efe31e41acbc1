/**
 * The cluster lane (`npm run test:cluster`, docs/cluster.md): agentrun against the Temporal server
 * version docker-compose.yml runs, built natively, on PostgreSQL.
 * - test/cluster/*.cluster.ts start clusters of their own and break them (server, PostgreSQL,
 *   workers, history hosts). Named `.cluster.ts` so the default suite (`*.test.ts`) never runs them.
 * - The default suite's crash and fault tests run unchanged against one shared single-process
 *   cluster that global-setup.ts starts (their harness reads its address from the environment).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [
    '<rootDir>/test/cluster/**/*.cluster.ts',
    '<rootDir>/test/crash/worker-crash.test.ts',
    '<rootDir>/test/workflows/agent-run-faults.test.ts',
    '<rootDir>/test/workflows/responses-faults.test.ts',
  ],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup-runtime.ts'],
  testTimeout: 300_000,
  // One file at a time: each starts PostgreSQL, up to six server processes and agentrun workers,
  // beside the shared cluster, and the machine has 2 cores.
  maxWorkers: 1,
};
