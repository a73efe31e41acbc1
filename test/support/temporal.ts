/**
 * Connections to the suite's Temporal dev server (started once by test/global-setup.ts).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** The dev server's address, as global-setup published it. */
export function temporalAddress(): string {
  const address = process.env.AGENTRUN_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('AGENTRUN_TEST_TEMPORAL_ADDRESS is unset: run the tests through jest (test/global-setup.ts starts the server).');
  return address;
}

/** The dev server's namespace. */
export function temporalNamespace(): string {
  return process.env.AGENTRUN_TEST_TEMPORAL_NAMESPACE ?? 'default';
}

/** A client and the worker connection for one test file; close both in afterAll. */
export interface TemporalTestContext {
  client: Client;
  connection: Connection;
  workerConnection: NativeConnection;
  /** A task queue no other test file uses. */
  taskQueue: string;
  close(): Promise<void>;
}

/** Connects a client and a worker connection to the suite's server. */
export async function connectTemporal(label: string): Promise<TemporalTestContext> {
  const address = temporalAddress();
  const namespace = temporalNamespace();
  const connection = await Connection.connect({ address });
  const workerConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace }),
    connection,
    workerConnection,
    taskQueue: `test-${label}-${randomUUID().slice(0, 8)}`,
    async close() {
      await connection.close();
      await workerConnection.close();
    },
  };
}
