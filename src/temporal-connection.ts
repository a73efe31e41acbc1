/**
 * Temporal connection settings from Temporal's usual environment: `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_PROFILE` and TOML profiles
 * (`@temporalio/envconfig`), so agentrun connects wherever the `temporal` CLI would.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { agentrunDataConverter, type EncryptionKeySource } from './encryption/data-converter';
import { tracingClientInterceptors, tracingRequested } from './telemetry/tracing';

/** Where to connect and in which namespace. */
export interface TemporalSettings {
  connectionOptions: ConnectionOptions;
  namespace: string;
}

/** Reads the settings; `address` overrides the environment (e.g. a dev server just started). */
export function temporalSettings(overrides: { address?: string; namespace?: string } = {}): TemporalSettings {
  const loaded = loadClientConnectConfig();
  const connectionOptions = { ...loaded.connectionOptions } as ConnectionOptions;
  if (overrides.address) connectionOptions.address = overrides.address;
  connectionOptions.address ??= 'localhost:7233';
  return { connectionOptions, namespace: overrides.namespace ?? loaded.namespace ?? 'default' };
}

/**
 * A Temporal client connected with {@link temporalSettings}, encrypting payloads when keys are
 * configured (`encryptionKeys`, default `AGENTRUN_ENCRYPTION_KEYS`); close it with
 * `client.connection.close()`.
 */
export async function connectTemporalClient(overrides: { address?: string; namespace?: string; encryptionKeys?: EncryptionKeySource; tracing?: boolean } = {}): Promise<Client> {
  const settings = temporalSettings(overrides);
  // Before connecting: a bad key list is a configuration error, not an unreachable server.
  const dataConverter = agentrunDataConverter(overrides.encryptionKeys);
  // Starting, signalling or updating a run starts (or joins) a trace the workflow continues. The
  // spans go to whatever tracer provider the process registered (the CLI registers its own).
  const interceptors = (overrides.tracing ?? tracingRequested()) ? { workflow: tracingClientInterceptors() } : undefined;
  const connection = await Connection.connect(settings.connectionOptions);
  return new Client({ connection, namespace: settings.namespace, ...(dataConverter ? { dataConverter } : {}), ...(interceptors ? { interceptors } : {}) });
}
