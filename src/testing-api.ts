/**
 * `agentrun/testing`: the offline, spec-validated emulator of the providers' HTTP APIs (threads/runs,
 * Responses, Conversations, files, vector stores, webhooks, faults) and the local Temporal dev server
 * agentrun's own tests run on, for your tests. `@temporalio/testing` is needed only when the dev
 * server must fall back to the SDK's own download of the Temporal CLI.
 */
export * from './emulator';
export { startDevServer, type DevServerOptions, type RunningDevServer } from './dev-server/dev-server';
export { findTemporalCli, type TemporalCli, type FindTemporalCliOptions } from './dev-server/temporal-cli';
