/**
 * Stops the shared cluster, and any PostgreSQL a failed test file left running; the logs stay in
 * .cache/cluster-lane/ until the next run.
 */
import { laneDirectory } from './support/native-cluster';
import { stopLeftoverPostgres } from './support/postgres';

export default async function globalTeardown(): Promise<void> {
  await globalThis.agentrunSharedCluster?.stop();
  await stopLeftoverPostgres(laneDirectory());
}
