/**
 * A real Temporal cluster on this machine, for the cluster lane: the server version
 * docker-compose.yml runs, built from Go modules (scripts/cluster/build-server.sh), on a private
 * PostgreSQL (scripts/cluster/postgres.sh), with config files in the shape of the module's
 * `config/development-postgres12.yaml` on loopback ports chosen free. The schema, the namespace and
 * agentrun's search attributes are set up by the compose file's own one-shot scripts (docker/), so
 * the lane runs them for real.
 *
 * Two topologies: one process with every service (what the compose file runs), or the services as
 * separate processes (frontend, matching, worker, and N history hosts) that find each other through
 * ringpop membership, bootstrapped from the `cluster_membership` table.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { freePort } from '../../../src/dev-server/free-port';
import { cacheDirectory } from '../../../src/dev-server/project-paths';
import { findTemporalCli } from '../../../src/dev-server/temporal-cli';
import { AGENTRUN_SEARCH_ATTRIBUTES, searchAttributeCliType } from '../../../src/shared/search-attributes';
import { Postgres, POSTGRES_PASSWORD, POSTGRES_USER } from './postgres';
import { supervise, type SupervisedProcess } from './supervised-process';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..', '..');

/** The server version the lane builds and docker-compose.yml runs (test/docker-compose.test.ts keeps them equal). */
export const TEMPORAL_SERVER_VERSION = '1.30.4';

/** The compose file's dynamic config: the lane's servers read the same file. */
export const DYNAMIC_CONFIG_FILE = path.join(root, 'docker', 'temporal-dynamic-config.yaml');

/** What scripts/cluster/build-server.sh leaves in the cache. */
export interface ServerBuild {
  directory: string;
  binDirectory: string;
  server: string;
  tdbg: string;
  /** Holds `postgresql/v12/{temporal,visibility}/versioned`. */
  schemaDirectory: string;
  /** The module's `config/development-postgres12.yaml`. */
  configTemplate: string;
}

/** The cached build; throws with the command to run when it is missing. */
export function serverBuild(version = TEMPORAL_SERVER_VERSION): ServerBuild {
  const directory = path.join(cacheDirectory(), `temporal-server-${version}`);
  const build: ServerBuild = {
    directory,
    binDirectory: path.join(directory, 'bin'),
    server: path.join(directory, 'bin', 'server'),
    tdbg: path.join(directory, 'bin', 'tdbg'),
    schemaDirectory: path.join(directory, 'schema'),
    configTemplate: path.join(directory, 'config', 'development-postgres12.yaml'),
  };
  if (!fs.existsSync(path.join(directory, '.built'))) {
    throw new Error(`Temporal server ${version} is not built in ${directory}: run scripts/cluster/build-server.sh (npm run test:cluster does).`);
  }
  return build;
}

/** Where lane runs keep their data, configs and logs (cleared by the lane's global setup). */
export function laneDirectory(): string {
  return path.join(cacheDirectory(), 'cluster-lane');
}

/** The server's services. */
export type ServiceRole = 'frontend' | 'matching' | 'history' | 'worker';
const ROLES: ServiceRole[] = ['frontend', 'matching', 'history', 'worker'];

/** One service's ports in a config file. */
export interface ServicePorts {
  grpcPort: number;
  membershipPort: number;
  httpPort?: number;
}

/** Options of {@link serverConfigYaml}. */
export interface ServerConfigOptions {
  /** The module's `config/development-postgres12.yaml`, whose shape is kept. */
  template: string;
  postgresPort: number;
  ports: Record<ServiceRole, ServicePorts>;
  numHistoryShards: number;
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * A server config file: the development-postgres12 template with our database, our ports on
 * loopback, no pprof or metrics listener (fixed ports that separate processes would fight over),
 * and no archival.
 */
export function serverConfigYaml(options: ServerConfigOptions): string {
  const config = parse(fs.readFileSync(options.template, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  config.log = { stdout: true, level: options.logLevel ?? 'info' };
  config.persistence.numHistoryShards = options.numHistoryShards;
  for (const store of Object.values(config.persistence.datastores) as Array<{ sql: Record<string, unknown> }>) {
    Object.assign(store.sql, { connectAddr: `127.0.0.1:${options.postgresPort}`, user: POSTGRES_USER, password: POSTGRES_PASSWORD });
  }
  config.global.membership.broadcastAddress = '127.0.0.1';
  config.global.pprof = { port: 0 };
  delete config.global.metrics;
  config.services = Object.fromEntries(
    ROLES.map((role) => {
      const { grpcPort, membershipPort, httpPort } = options.ports[role];
      return [role, { rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort !== undefined ? { httpPort } : {}) } }];
    }),
  );
  const frontend = options.ports.frontend;
  Object.assign(config.clusterMetadata.clusterInformation.active, { rpcAddress: `127.0.0.1:${frontend.grpcPort}`, httpAddress: `127.0.0.1:${frontend.httpPort}` });
  delete config.archival;
  delete config.namespaceDefaults;
  config.dynamicConfigClient = { filepath: options.dynamicConfigFile, pollInterval: '10s' };
  return `# Written by test/cluster/support/native-cluster.ts from ${path.basename(options.template)}\n${stringify(config)}`;
}

/** One server process of a cluster. */
interface ProcessSpec {
  name: string;
  services: ServiceRole[];
  configFile: string;
  /** This process's own gRPC address (a history host's, for shard lookups). */
  address: string;
}

/** Options of {@link startNativeCluster}. */
export interface NativeClusterOptions {
  /** Names the run's folder. */
  label: string;
  /** `single`: one process with every service; `separate`: one process per service. */
  topology: 'single' | 'separate';
  /** History hosts with `separate` (default 2). */
  historyHosts?: number;
  /** Default 4, as the template and the compose server have. */
  numHistoryShards?: number;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
  /**
   * With `single`: configure the server as the temporalio/server image does, from these variables
   * through the server's embedded config template (no config file), instead of a config file. The
   * database address and the ports are replaced by the lane's own (loopback, free).
   */
  serverEnvironment?: Record<string, string>;
  /** Variables for the schema job (docker/setup-temporal-schema.sh), before the lane's database address. */
  schemaEnvironment?: Record<string, string>;
}

/** A running cluster. */
export interface NativeCluster {
  /** The frontend's `host:port`. */
  address: string;
  namespace: string;
  directory: string;
  postgres: Postgres;
  build: ServerBuild;
  numHistoryShards: number;
  /** Process names: `temporal`, or `frontend`, `matching`, `worker`, `history-1`, ... */
  names: string[];
  /** The running (or last) process of that name. */
  process(name: string): SupervisedProcess;
  /** Starts the process of that name (again) with its config; resolves once it has a pid. */
  start(name: string): Promise<SupervisedProcess>;
  /**
   * Adds a history host (next name `history-N`) with fresh ports, or the given membership port,
   * and starts it; it is not waited for.
   */
  addHistoryHost(ports?: Partial<ServicePorts>): Promise<SupervisedProcess>;
  /** Waits until the frontend answers health checks; returns the milliseconds waited. */
  waitUntilServing(timeoutMs?: number): Promise<number>;
  /** Which history host (process name) owns each shard, from tdbg; `undefined` for a shard no host answers for. */
  shardOwners(): Promise<Map<number, string | undefined>>;
  /** The history hosts in the history ring, as the frontend's membership sees them (tdbg list-gossip). */
  historyRing(): Promise<string[]>;
  /** The shard of a workflow in the namespace (tdbg get-shardid). */
  shardOf(workflowId: string): Promise<number>;
  /** Server-process timings of the start, for the lane's report. */
  timings: { postgresMs: number; schemaMs: number; serverMs: number; namespaceMs: number };
  /** Stops every server process, then PostgreSQL. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL, the schema (docker/setup-temporal-schema.sh), the server processes, the `default`
 * namespace (docker/create-namespace.sh) and agentrun's search attributes
 * (docker/register-search-attributes.sh), in that order, as the compose file's jobs do.
 */
export async function startNativeCluster(options: NativeClusterOptions): Promise<NativeCluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const build = serverBuild();
  const directory = path.join(laneDirectory(), `${options.label}-${Date.now().toString(36)}`);
  fs.mkdirSync(directory, { recursive: true });
  const numHistoryShards = options.numHistoryShards ?? 4;
  const namespace = 'default';

  const started = Date.now();
  const postgres = await Postgres.create(path.join(directory, 'postgresql'), await freePort());
  const postgresMs = Date.now() - started;
  const processes = new Map<string, SupervisedProcess>();
  try {
    return await startServer(options, { build, directory, numHistoryShards, namespace, postgres, postgresMs, processes, log });
  } catch (error) {
    // Nothing of a cluster that did not come up stays running.
    await Promise.all([...processes.values()].map((child) => child.stop()));
    await postgres.stop('fast').catch(() => undefined);
    throw error;
  }
}

interface StartContext {
  build: ServerBuild;
  directory: string;
  numHistoryShards: number;
  namespace: string;
  postgres: Postgres;
  postgresMs: number;
  processes: Map<string, SupervisedProcess>;
  log: (line: string) => void;
}

async function startServer(options: NativeClusterOptions, context: StartContext): Promise<NativeCluster> {
  const { build, directory, numHistoryShards, namespace, postgres, postgresMs, processes, log } = context;
  let started = Date.now();

  started = Date.now();
  await runScript('setup-temporal-schema.sh', [], {
    ...options.schemaEnvironment,
    PATH: `${build.binDirectory}${path.delimiter}${process.env.PATH ?? ''}`,
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(postgres.port),
    POSTGRES_USER,
    POSTGRES_PWD: POSTGRES_PASSWORD,
    TEMPORAL_SCHEMA_DIR: build.schemaDirectory,
  }, path.join(directory, 'schema.log'));
  const schemaMs = Date.now() - started;

  const port = async (): Promise<ServicePorts> => ({ grpcPort: await freePort(), membershipPort: await freeMembershipPort() });
  const ports: Record<ServiceRole, ServicePorts> = {
    frontend: { ...(await port()), httpPort: await freePort() },
    matching: await port(),
    history: await port(),
    worker: await port(),
  };
  const writeConfig = (name: string, history: ServicePorts): string => {
    const file = path.join(directory, `${name}.yaml`);
    fs.writeFileSync(file, serverConfigYaml({ template: build.configTemplate, postgresPort: postgres.port, ports: { ...ports, history }, numHistoryShards, dynamicConfigFile: DYNAMIC_CONFIG_FILE }));
    return file;
  };
  const specs: ProcessSpec[] = [];
  if (options.serverEnvironment && options.topology !== 'single') throw new Error('serverEnvironment needs the single topology');
  if (options.topology === 'single') {
    const configFile = options.serverEnvironment ? '' : writeConfig('temporal', ports.history);
    specs.push({ name: 'temporal', services: ROLES, configFile, address: `127.0.0.1:${ports.frontend.grpcPort}` });
  } else {
    for (const role of ['frontend', 'matching', 'worker'] as const) {
      specs.push({ name: role, services: [role], configFile: writeConfig(role, ports.history), address: `127.0.0.1:${ports[role].grpcPort}` });
    }
    // Each history host has its own ports; ringpop tells the others which port it serves on.
    for (let host = 1; host <= (options.historyHosts ?? 2); host += 1) {
      const history = host === 1 ? ports.history : await port();
      specs.push({ name: `history-${host}`, services: ['history'], configFile: writeConfig(`history-${host}`, history), address: `127.0.0.1:${history.grpcPort}` });
    }
  }

  const address = `127.0.0.1:${ports.frontend.grpcPort}`;
  const startProcess = async (name: string): Promise<SupervisedProcess> => {
    const spec = specs.find((candidate) => candidate.name === name);
    if (!spec) throw new Error(`no server process named ${name}`);
    const existing = processes.get(name);
    if (existing?.running()) throw new Error(`${name} is already running (pid ${existing.pid})`);
    const logFile = path.join(directory, `${name}.log`);
    const child = options.serverEnvironment
      ? // What the image's entrypoint runs: `temporal-server start`, configured by the environment.
        await supervise(name, build.server, ['start'], { logFile, env: { ...process.env, ...options.serverEnvironment, ...environmentPorts(postgres.port, ports) } })
      : await supervise(name, build.server, ['--config-file', spec.configFile, '--allow-no-auth', 'start', ...spec.services.flatMap((service) => ['--service', service])], { logFile });
    processes.set(name, child);
    return child;
  };

  const waitUntilServing = async (timeoutMs = 60_000): Promise<number> => {
    const waitStarted = Date.now();
    let lastError: unknown;
    while (Date.now() - waitStarted < timeoutMs) {
      for (const [name, child] of processes) {
        if (!child.running()) throw new Error(`server process ${name} exited while starting; see ${child.logFile}`);
      }
      try {
        const connection = await Connection.connect({ address, connectTimeout: 1_000 });
        try {
          const health = await connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
          if (health.status === 1) return Date.now() - waitStarted; // SERVING
        } finally {
          await connection.close();
        }
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the Temporal frontend at ${address} did not answer within ${timeoutMs} ms (${String(lastError)})`);
  };

  const tdbg = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(build.tdbg, ['--address', address, '--color', 'never', ...args], { encoding: 'utf8', timeout: 15_000 });
    return stdout;
  };

  started = Date.now();
  // The first process on a fresh database writes the cluster metadata; processes that start at
  // the same moment race it and one exits ("SaveClusterMetadata encountered version mismatch").
  // So the frontend comes up first, the other services after it.
  await startProcess(specs[0]!.name);
  await waitUntilServing();
  for (const spec of specs.slice(1)) await startProcess(spec.name);
  await waitUntilServing();
  const serverMs = Date.now() - started;

  started = Date.now();
  const cli = await findTemporalCli({ log });
  const cliEnvironment = { PATH: `${path.dirname(cli.path)}${path.delimiter}${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
  await runScript('create-namespace.sh', [], cliEnvironment, path.join(directory, 'namespace.log'));
  await runScript('register-search-attributes.sh', AGENTRUN_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${searchAttributeCliType(key.type)}`), cliEnvironment, path.join(directory, 'namespace.log'));
  const namespaceMs = Date.now() - started;
  log(`native cluster ${options.label} (${options.topology}, ${specs.map((spec) => spec.name).join(', ')}) at ${address}: PostgreSQL ${postgresMs} ms, schema ${schemaMs} ms, server ${serverMs} ms, namespace and search attributes ${namespaceMs} ms`);

  const historySpecs = () => specs.filter((spec) => spec.services.includes('history'));
  return {
    address,
    namespace,
    directory,
    postgres,
    build,
    numHistoryShards,
    get names() {
      return specs.map((spec) => spec.name);
    },
    process(name) {
      const child = processes.get(name);
      if (!child) throw new Error(`no server process named ${name}`);
      return child;
    },
    start: startProcess,
    async addHistoryHost(given = {}) {
      const name = `history-${historySpecs().length + 1}`;
      const history = { ...(await port()), ...given };
      specs.push({ name, services: ['history'], configFile: writeConfig(name, history), address: `127.0.0.1:${history.grpcPort}` });
      return startProcess(name);
    },
    waitUntilServing,
    async shardOwners() {
      const owners = new Map<number, string | undefined>();
      for (let shard = 1; shard <= numHistoryShards; shard += 1) {
        const described = await tdbg('history-host', 'describe', '--shard-id', String(shard)).catch(() => '');
        const ownerAddress = /"address":\s*"([^"]+)"/.exec(described)?.[1];
        owners.set(shard, historySpecs().find((spec) => spec.address === ownerAddress)?.name);
      }
      return owners;
    },
    async historyRing() {
      const listed = await tdbg('membership', 'list-gossip', '--role', 'history');
      const addresses = [...listed.matchAll(/"identity":\s*"([^"]+)"/g)].map((match) => match[1]!);
      return historySpecs().filter((spec) => addresses.includes(spec.address)).map((spec) => spec.name);
    },
    async shardOf(workflowId) {
      const connection = await Connection.connect({ address });
      try {
        const described = await connection.workflowService.describeNamespace({ namespace });
        const namespaceId = described.namespaceInfo?.id ?? '';
        const output = await tdbg('history-host', 'get-shardid', '--namespace-id', namespaceId, '--workflow-id', workflowId, '--number-of-shards', String(numHistoryShards));
        // "ShardId for namespace, workflowId: <id>, <workflow> is 3"
        const shard = /\bis (\d+)\s*$/m.exec(output)?.[1];
        if (!shard) throw new Error(`tdbg get-shardid printed no shard: ${output}`);
        return Number(shard);
      } finally {
        await connection.close();
      }
    },
    timings: { postgresMs, schemaMs, serverMs, namespaceMs },
    async stop() {
      await Promise.all([...processes.values()].map((child) => child.stop()));
      await postgres.stop('fast').catch(() => undefined);
    },
  };
}

/** The embedded config template's variables for the database address and every port, on loopback. */
function environmentPorts(postgresPort: number, ports: Record<ServiceRole, ServicePorts>): Record<string, string> {
  const variables: Record<string, string> = { POSTGRES_SEEDS: '127.0.0.1', DB_PORT: String(postgresPort), BIND_ON_IP: '127.0.0.1', FRONTEND_HTTP_PORT: String(ports.frontend.httpPort) };
  for (const role of ROLES) {
    variables[`${role.toUpperCase()}_GRPC_PORT`] = String(ports[role].grpcPort);
    variables[`${role.toUpperCase()}_MEMBERSHIP_PORT`] = String(ports[role].membershipPort);
  }
  return variables;
}

/**
 * A free loopback port below 32768 for ringpop. Each host writes its membership port into
 * `cluster_membership.rpc_port`, a SMALLINT in the PostgreSQL (and MySQL) schema: a port above
 * 32767 (any port the kernel hands out for port 0 on Linux) makes the process exit at start with
 * `UpsertClusterMembership ... value "36539" is out of range for type smallint`
 * (temporalio/temporal#4822).
 */
async function freeMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(candidate)) return candidate;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Runs one of docker/'s setup scripts with `sh`, its output appended to `logFile`. */
async function runScript(script: string, args: string[], environment: Record<string, string>, logFile: string): Promise<void> {
  try {
    const { stdout, stderr } = await run('sh', [path.join(root, 'docker', script), ...args], { encoding: 'utf8', env: { ...process.env, ...environment }, maxBuffer: 64 * 1024 * 1024 });
    fs.appendFileSync(logFile, `--- ${script}\n${stdout}${stderr}`);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    fs.appendFileSync(logFile, `--- ${script} (failed)\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
    throw new Error(`docker/${script} failed: ${(failed.stderr ?? '').split('\n').filter(Boolean).slice(-5).join('\n') || failed.message}`);
  }
}
