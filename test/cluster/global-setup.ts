/**
 * The cluster lane's setup: builds the Temporal server if the cache lacks it
 * (scripts/cluster/build-server.sh), provisions the Temporal CLI the compose scripts use, clears
 * what an earlier lane run left (a PostgreSQL it could not stop, its data and logs), and starts the
 * shared single-process cluster the default suite's crash and fault tests run against.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findTemporalCli } from '../../src/dev-server/temporal-cli';
import { laneDirectory, startNativeCluster, TEMPORAL_SERVER_VERSION, type NativeCluster } from './support/native-cluster';
import { stopLeftoverPostgres } from './support/postgres';

declare global {
  var agentrunSharedCluster: NativeCluster | undefined;
}

export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let started = Date.now();
  const build = spawnSync(path.join(__dirname, '..', '..', 'scripts', 'cluster', 'build-server.sh'), [TEMPORAL_SERVER_VERSION], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error(`scripts/cluster/build-server.sh failed (exit ${build.status ?? build.signal})`);
  const buildMs = Date.now() - started;
  const cli = await findTemporalCli({ log });
  const leftovers = await stopLeftoverPostgres(laneDirectory());
  fs.rmSync(laneDirectory(), { recursive: true, force: true });
  if (leftovers.length) log(`cluster lane: stopped ${leftovers.length} PostgreSQL left by an earlier run`);

  started = Date.now();
  const cluster = await startNativeCluster({ label: 'shared', topology: 'single', log });
  globalThis.agentrunSharedCluster = cluster;
  process.env.AGENTRUN_TEST_TEMPORAL_ADDRESS = cluster.address;
  process.env.AGENTRUN_TEST_TEMPORAL_NAMESPACE = cluster.namespace;
  log(`\ncluster lane setup: server ${TEMPORAL_SERVER_VERSION} build ready in ${buildMs} ms, temporal CLI ${cli.version}, shared cluster at ${cluster.address} in ${Date.now() - started} ms`);
}
