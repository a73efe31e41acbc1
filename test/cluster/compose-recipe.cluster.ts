/**
 * docker-compose.yml's Temporal recipe, run natively: the server configured by the `temporal`
 * service's own environment through the server's embedded config template (as the
 * temporalio/server image runs it), with the dynamic config file the compose file mounts, after the
 * `temporal-schema` job (its environment, its script) and followed by the namespace and
 * search-attribute jobs. Only the database address and the ports are the lane's (loopback).
 * A run with tool rounds completes on it, and every job can run again without changing anything.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { findTemporalCli } from '../../src/dev-server/temporal-cli';
import { POSTGRES_PASSWORD, POSTGRES_USER } from './support/postgres';
import { serverBuild, startNativeCluster, TEMPORAL_SERVER_VERSION, type NativeCluster } from './support/native-cluster';
import { checkRunsOnce, completions, startLane, TOOL_ROUNDS_SCRIPT, type Lane } from './support/lane-harness';

const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  command?: string[];
}
const services = (parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> }).services;

/** A service's environment with `${NAME:-default}` taken at its default, as Compose does with NAME unset. */
function composeEnvironment(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[name]!.environment ?? {}).map(([key, value]) => [key, String(value ?? '').replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')]),
  );
}

/** The file the compose file mounts at `target` in a service, as a path on this machine. */
function mountedSource(name: string, target: string): string | undefined {
  const mount = (services[name]!.volumes ?? []).map((entry) => entry.split(':')).find(([, mounted]) => mounted === target);
  return mount ? path.join(root, mount[0]!) : undefined;
}

let cluster: NativeCluster;
let lane: Lane;
const serverEnvironment = composeEnvironment('temporal');

beforeAll(async () => {
  // The compose server's database credentials are the ones the lane's PostgreSQL has.
  expect({ user: serverEnvironment.POSTGRES_USER, password: serverEnvironment.POSTGRES_PWD }).toEqual({ user: POSTGRES_USER, password: POSTGRES_PASSWORD });
  const dynamicConfig = mountedSource('temporal', serverEnvironment.DYNAMIC_CONFIG_FILE_PATH ?? '/etc/temporal/config/dynamicconfig/docker.yaml');
  if (!dynamicConfig) throw new Error('docker-compose.yml mounts no file where its server reads its dynamic config');
  cluster = await startNativeCluster({
    label: 'compose',
    topology: 'single',
    serverEnvironment: { ...serverEnvironment, DYNAMIC_CONFIG_FILE_PATH: dynamicConfig },
    schemaEnvironment: composeEnvironment('temporal-schema'),
  });
  lane = await startLane('compose', cluster);
}, 180_000);
afterAll(async () => {
  await lane?.close();
  await cluster?.stop();
});

it('is the server version the compose file pins, configured from its environment alone', () => {
  expect(services.temporal!.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
  const log = fs.readFileSync(cluster.process('temporal').logFile, 'utf8');
  expect(log).toContain('Loading configuration from environment variables only');
  expect(log).toContain(`"server-version":"${TEMPORAL_SERVER_VERSION}"`);
  // No warning that the server runs without an authorizer unawares: the compose file says so.
  expect(log).not.toContain('flag `--allow-no-auth` not detected');
});

it('completes runs with tool rounds, once each', async () => {
  await lane.startWorker();
  const input = lane.harness.input(await lane.harness.assistant(TOOL_ROUNDS_SCRIPT, 'compose'), { wait: { mode: 'poll', pollInterval: 50 } });
  const started = await Promise.all(Array.from({ length: 4 }, () => lane.harness.client.start(input)));
  const { done, results } = await completions(started.map(({ handle }) => handle), Date.now() + 120_000);
  expect(done).toBe(4);
  checkRunsOnce(lane, started.map(({ workflowId }) => workflowId), results);
});

it('runs its schema, namespace and search-attribute jobs again without changing anything', async () => {
  const build = serverBuild();
  const cli = await findTemporalCli({ log: () => undefined });
  const job = (script: string, args: string[], environment: Record<string, string>) =>
    run('sh', [path.join(root, 'docker', script), ...args], { encoding: 'utf8', env: { ...process.env, ...environment }, maxBuffer: 64 * 1024 * 1024 });
  const schema = await job('setup-temporal-schema.sh', [], {
    ...composeEnvironment('temporal-schema'),
    PATH: `${build.binDirectory}${path.delimiter}${process.env.PATH ?? ''}`,
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(cluster.postgres.port),
    TEMPORAL_SCHEMA_DIR: build.schemaDirectory,
  });
  expect(schema.stdout).toContain('database temporal is at the latest schema');
  expect(`${schema.stdout}${schema.stderr}`).not.toMatch(/Schema updated from/);
  const cliEnvironment = { PATH: `${path.dirname(cli.path)}${path.delimiter}${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: cluster.address };
  const namespace = await job('create-namespace.sh', [], { ...composeEnvironment('temporal-namespace'), ...cliEnvironment });
  expect(namespace.stdout).toContain('namespace default exists');
  const attributes = await job('register-search-attributes.sh', services['temporal-search-attributes']!.command!, { ...composeEnvironment('temporal-search-attributes'), ...cliEnvironment });
  expect(attributes.stdout.match(/already exists/g)).toHaveLength(services['temporal-search-attributes']!.command!.length);
});
