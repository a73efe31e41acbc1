/**
 * docker-compose.yml is for users: these machines have no Docker engine, so the file is checked
 * against the code it deploys (search attributes, CLI flags, provider variables, the Dockerfile),
 * and its namespace and search-attribute jobs run for real against the suite's Temporal server.
 * The cluster lane (npm run test:cluster) runs the same server version natively on PostgreSQL with
 * the compose file's own environment and schema job (test/cluster/compose-recipe.cluster.ts).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import Long from 'long';
import { parse } from 'yaml';
import { usage } from '../src/commands';
import { findTemporalCli } from '../src/dev-server/temporal-cli';
import { parseCliArguments } from '../src/emulator/cli';
import { AGENTRUN_SEARCH_ATTRIBUTES, searchAttributeCliType } from '../src/shared/search-attributes';
import { temporalAddress } from './support/temporal';
import { TEMPORAL_SERVER_VERSION } from './cluster/support/native-cluster';

const root = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Array<string | number | { target: number; published?: string | number }>;
  profiles?: string[];
  healthcheck?: { test?: string | string[] };
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  restart?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as ComposeFile;
const services = compose.services;
const dockerfile = read('docker/Dockerfile');

/** The services agentrun's deployment needs, by role. */
const NEEDED = ['postgresql', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-search-attributes', 'temporal-ui', 'worker', 'emulator'];

/** The one-shot jobs on the admin-tools image, and the script each mounts and runs. */
const JOBS: Record<string, string> = {
  'temporal-schema': './docker/setup-temporal-schema.sh',
  'temporal-namespace': './docker/create-namespace.sh',
  'temporal-search-attributes': './docker/register-search-attributes.sh',
};

/**
 * The Web UI release Temporal pairs with a server minor version: the ui-server module its own CLI
 * embeds beside that server (temporalio/cli go.mod: v1.6.1 and v1.6.2 have Server 1.30.1 / 1.30.2
 * and ui-server v2.45.3; v1.7.0 moves to Server 1.31 and UI 2.49).
 */
const PAIRED_UI: Record<string, RegExp> = { '1.30': /^2\.45\.\d+$/ };

/** Where the temporalio/server image reads its dynamic config unless DYNAMIC_CONFIG_FILE_PATH says otherwise. */
const IMAGE_DYNAMIC_CONFIG = '/etc/temporal/config/dynamicconfig/docker.yaml';

/** PostgreSQL advanced visibility's pre-allocated columns per type (schema/postgresql/v12/visibility). */
const POSTGRES_VISIBILITY_SLOTS: Record<string, number> = { Bool: 3, Datetime: 3, Double: 3, Int: 3, Keyword: 10, Text: 3, KeywordList: 3 };

/**
 * Variables @azure/identity's EnvironmentCredential reads: DefaultAzureCredential tries it first,
 * and a container has no `az login`, so Entra ID (azure-foundry, keyless azure-openai) needs them.
 */
const ENTRA_SERVICE_PRINCIPAL_VARIABLES = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'];

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function environment(of: ComposeService): Record<string, string> {
  const raw = of.environment ?? {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(raw.map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

function dependsOn(of: ComposeService): Record<string, string> {
  const raw = of.depends_on ?? [];
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(raw).map(([name, options]) => [name, options.condition ?? 'service_started']));
}

function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

/** `[host port, container port]` of each published port. */
function publishedPorts(of: ComposeService): Array<[number | undefined, number]> {
  return (of.ports ?? []).map((entry) => {
    if (typeof entry === 'object') return [entry.published === undefined ? undefined : Number(entry.published), entry.target];
    const parts = String(entry).split(':');
    const container = Number(parts[parts.length - 1]);
    return [parts.length > 1 ? Number(parts[parts.length - 2]) : undefined, container];
  });
}

/** `${NAME:-fallback}` → `{ name, fallback }`; anything else → undefined. */
function interpolation(value: string): { name: string; fallback: string } | undefined {
  const match = /^\$\{([A-Z0-9_]+)(?::-([^}]*))?\}$/.exec(value);
  return match ? { name: match[1]!, fallback: match[2] ?? '' } : undefined;
}

/** Every string in a parsed YAML document, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)]);
  return [];
}

/** Every image the compose file names. */
function images(): string[] {
  return Object.values(services).flatMap((entry) => (entry.image ? [entry.image] : []));
}

/** `[source, target]` of each volume of a service. */
function mounts(of: ComposeService): Array<[string, string]> {
  return (of.volumes ?? []).map((entry) => (typeof entry === 'string' ? (entry.split(':').slice(0, 2) as [string, string]) : [entry.source ?? '', entry.target ?? '']));
}

/** The Name=Type pairs the one-shot service registers. */
function registeredPairs(): string[] {
  return argv(service('temporal-search-attributes').command);
}

describe('docker-compose.yml', () => {
  it('has every service the deployment needs', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(NEEDED));
  });

  it('pins every image to a version, and builds the rest from docker/Dockerfile', () => {
    for (const [name, entry] of Object.entries(services)) {
      if (entry.image === undefined) {
        expect({ name, build: entry.build }).toEqual({ name, build: { context: '.', dockerfile: 'docker/Dockerfile' } });
        continue;
      }
      const tag = /^[^:@]+:([^:@]+)$/.exec(entry.image)?.[1];
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/\d/) });
      expect(tag).not.toMatch(/latest/);
    }
    // temporalio/server (auto-setup is deprecated and gets no new versions), the admin tools of
    // the same release, the UI Temporal pairs with it, and the version the cluster lane runs.
    expect(images().filter((image) => image.includes('auto-setup'))).toEqual([]);
    expect(service('temporal').image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    for (const job of Object.keys(JOBS)) expect({ job, image: service(job).image }).toEqual({ job, image: `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}` });
    const minor = TEMPORAL_SERVER_VERSION.split('.').slice(0, 2).join('.');
    expect(PAIRED_UI[minor]).toBeDefined();
    expect(/^temporalio\/ui:(.+)$/.exec(service('temporal-ui').image ?? '')?.[1]).toMatch(PAIRED_UI[minor]!);
    expect(service('postgresql').image).toMatch(/^postgres:\d+/);
  });

  it('keeps PostgreSQL in a named volume and reports its health', () => {
    const postgresql = service('postgresql');
    const data = mounts(postgresql).find(([, target]) => target === '/var/lib/postgresql/data');
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data![0]);
    expect(argv(postgresql.healthcheck?.test).join(' ')).toMatch(/pg_isready/);
  });

  it('creates the schema with the admin tools before the server starts, against the database the server uses', () => {
    const schema = service('temporal-schema');
    expect(dependsOn(schema)).toEqual({ postgresql: 'service_healthy' });
    const server = environment(service('temporal'));
    const job = environment(schema);
    for (const name of ['POSTGRES_SEEDS', 'DB_PORT', 'POSTGRES_USER', 'POSTGRES_PWD']) expect({ name, job: job[name] }).toEqual({ name, job: server[name] });
    // The script reads the schema the admin-tools image ships (its default TEMPORAL_SCHEMA_DIR).
    expect(read('docker/setup-temporal-schema.sh')).toContain('${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12');
  });

  it('runs Temporal on PostgreSQL, after the database and the schema job, on port 7233', () => {
    const temporal = service('temporal');
    expect(environment(temporal)).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', DB_PORT: '5432', BIND_ON_IP: '0.0.0.0' });
    expect(dependsOn(temporal)).toEqual({ postgresql: 'service_healthy', 'temporal-schema': 'service_completed_successfully' });
    expect(publishedPorts(temporal)).toContainEqual([7233, 7233]);
  });

  it('mounts the dynamic config file the server refuses to start without', () => {
    const temporal = service('temporal');
    const target = environment(temporal).DYNAMIC_CONFIG_FILE_PATH ?? IMAGE_DYNAMIC_CONFIG;
    const source = mounts(temporal).find(([, mounted]) => mounted === target)?.[0];
    expect(source).toBe('./docker/temporal-dynamic-config.yaml');
    expect(fs.existsSync(path.join(root, source!))).toBe(true);
    expect(parse(read(source!)) ?? {}).toEqual(expect.any(Object));
  });

  it('registers exactly the search attributes of src/shared/search-attributes.ts', () => {
    const expected = AGENTRUN_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${searchAttributeCliType(key.type)}`);
    const pairs = registeredPairs();
    expect(new Set(pairs).size).toBe(pairs.length);
    expect([...pairs].sort()).toEqual([...expected].sort());
  });

  it('fits the attributes into PostgreSQL visibility', () => {
    const perType = new Map<string, number>();
    for (const pair of registeredPairs()) {
      const type = pair.split('=')[1]!;
      perType.set(type, (perType.get(type) ?? 0) + 1);
    }
    for (const [type, count] of perType) {
      expect({ type, fits: count <= (POSTGRES_VISIBILITY_SLOTS[type] ?? 0) }).toEqual({ type, fits: true });
    }
  });

  it('runs each one-shot job as a mounted script, in order: schema, server, namespace, search attributes', () => {
    for (const [job, script] of Object.entries(JOBS)) {
      const entry = service(job);
      const target = argv(entry.entrypoint).find((part) => part.endsWith('.sh'));
      expect({ job, source: mounts(entry).find(([, mounted]) => mounted === target)?.[0] }).toEqual({ job, source: script });
      expect(fs.existsSync(path.join(root, script))).toBe(true);
      expect(entry.restart).toBe('no');
    }
    expect(dependsOn(service('temporal-namespace'))).toEqual({ temporal: 'service_started' });
    expect(dependsOn(service('temporal-search-attributes'))).toEqual({ 'temporal-namespace': 'service_completed_successfully' });
    for (const job of ['temporal-namespace', 'temporal-search-attributes']) {
      expect(environment(service(job))).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' });
    }
  });

  it('serves the Web UI on port 8080 against the compose server', () => {
    const ui = service('temporal-ui');
    expect(environment(ui)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(dependsOn(ui)).toHaveProperty('temporal');
    expect(publishedPorts(ui)).toContainEqual([8080, 8080]);
  });

  it('starts the worker after Temporal and the search attributes, as `agentrun worker --tools`', () => {
    const worker = service('worker');
    expect(dependsOn(worker)).toEqual({ temporal: 'service_started', 'temporal-search-attributes': 'service_completed_successfully' });
    const command = argv(worker.command);
    expect(command.slice(0, 3)).toEqual(['node', 'dist/cli.js', 'worker']);
    const tools = command[command.indexOf('--tools') + 1];
    expect(command).toContain('--tools');
    expect(tools).toMatch(/^\/app\/.+\.js$/);
  });

  it('gives the worker only variables agentrun or Temporal reads', () => {
    const documented = new Set(read('src/providers/provider-config.ts').match(/\b(?:AGENTRUN|OPENAI|AZURE)_[A-Z0-9_]+\b/g));
    const variables = environment(service('worker'));
    for (const name of Object.keys(variables)) {
      const known = documented.has(name) || name.startsWith('TEMPORAL_') || ENTRA_SERVICE_PRINCIPAL_VARIABLES.includes(name);
      expect({ name, known }).toEqual({ name, known: true });
    }
    expect(variables.TEMPORAL_ADDRESS).toBe('temporal:7233');
    // Every provider variable passes through from the user's environment.
    for (const [name, value] of Object.entries(variables).filter(([name]) => !name.startsWith('TEMPORAL_'))) {
      expect({ name, source: interpolation(value)?.name }).toEqual({ name, source: name });
    }
    expect(interpolation(variables.AGENTRUN_PROVIDER!)?.fallback).toBe('emulator');
  });

  it('makes the emulator optional, on the address the worker expects by default', () => {
    const emulator = service('emulator');
    expect(emulator.profiles).toEqual(['emulator']);
    const command = argv(emulator.command);
    expect(command.slice(0, 3)).toEqual(['node', 'dist/cli.js', 'emulator']);
    const parsed = parseCliArguments(command.slice(3));
    if (parsed === 'help') throw new Error('the emulator command asks for help');
    expect(parsed.options.host).toBe('0.0.0.0');
    const workerUrl = new URL(interpolation(environment(service('worker')).AGENTRUN_EMULATOR_URL!)!.fallback);
    expect(workerUrl.hostname).toBe('emulator');
    expect(Number(workerUrl.port)).toBe(parsed.options.port);
    expect(publishedPorts(emulator)).toContainEqual([parsed.options.port, parsed.options.port]);
  });

  it('holds no secrets: credentials pass through from the environment, with no default', () => {
    const keyLike = [/\bsk-[A-Za-z0-9_-]{10,}/, /\b[A-Fa-f0-9]{32,}\b/, /[A-Za-z0-9+/_-]{40,}/, /\bbearer\s+\S{8,}/i, /PRIVATE KEY/];
    // File paths (a mount such as ./docker/x.yaml:/etc/temporal/config/dynamicconfig/docker.yaml)
    // are long runs of those characters too: test what is left once paths are taken out.
    const withoutPaths = (text: string) => text.replace(/(?:^|(?<=[\s:"'=(]))\.{0,2}\/(?:[\w.-]{1,39}\/)*[\w.-]{1,39}(?=$|[\s:"'),;])/gm, '');
    for (const text of [...strings(compose), dockerfile, ...Object.values(JOBS).map(read), read('docker/temporal-dynamic-config.yaml')]) {
      for (const pattern of keyLike) expect({ text, secret: pattern.test(withoutPaths(text)) }).toEqual({ text, secret: false });
    }
    for (const [name, entry] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(environment(entry))) {
        if (!/(KEY|SECRET|TOKEN|PASSWORD|PWD)$/.test(variable)) continue;
        const source = interpolation(value);
        expect({ service: name, variable, interpolated: source !== undefined }).toEqual({ service: name, variable, interpolated: true });
        // The local database has a development default; a provider credential has none.
        if (variable.startsWith('AZURE_') || variable.startsWith('OPENAI_') || variable.startsWith('AGENTRUN_')) expect(source!.fallback).toBe('');
      }
    }
  });
});

describe('docker/Dockerfile', () => {
  it('builds dist/ with the package build on Node 20 and ships the CLI', () => {
    const stages = dockerfile.match(/^FROM\s+\S+/gm) ?? [];
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) expect(stage).toMatch(/^FROM\s+node:20[\w.-]*$/);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(JSON.parse(read('package.json')).scripts.build).toBe('tsc -p tsconfig.build.json && node scripts/bundle-workflows.js');
    expect(dockerfile).toMatch(/^COPY scripts\/bundle-workflows\.js \.\/scripts\/$/m);
    expect(JSON.parse(read('tsconfig.build.json')).compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(fs.existsSync(path.join(root, 'src/cli.ts'))).toBe(true);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^COPY examples \.\/examples$/m);
  });

  it('copies the tool module the compose worker loads', () => {
    const command = argv(service('worker').command);
    const tools = command[command.indexOf('--tools') + 1]!;
    expect(fs.existsSync(path.join(root, path.relative('/app', tools)))).toBe(true);
  });

  it('runs CLI commands that exist', () => {
    expect(usage()).toMatch(/^\s+emulator\s/m);
    expect(usage()).toMatch(/^\s+worker\s/m);
  });
});

describe('the namespace and search-attribute jobs', () => {
  const exec = promisify(execFile);

  /** Runs one of docker/'s scripts with the Temporal CLI on PATH, against the suite's server. */
  async function runJob(script: string, namespace: string, args: string[] = [], extra: Record<string, string> = {}) {
    const cli = await findTemporalCli({ log: () => undefined });
    return exec('sh', [path.join(root, 'docker', script), ...args], {
      env: { ...process.env, PATH: `${path.dirname(cli.path)}${path.delimiter}${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: namespace, AGENTRUN_SETUP_ATTEMPTS: '15', ...extra },
    });
  }

  it('docker/create-namespace.sh creates the namespace with its retention, and a second run leaves it alone', async () => {
    const namespace = `compose-ns-${randomUUID().slice(0, 8)}`;
    const first = await runJob('create-namespace.sh', namespace, [], { TEMPORAL_NAMESPACE_RETENTION: '48h' });
    expect(first.stdout).toContain(`namespace ${namespace} created (retention 48h)`);
    const connection = await Connection.connect({ address: temporalAddress() });
    try {
      const described = await connection.workflowService.describeNamespace({ namespace });
      expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(48 * 3600);
    } finally {
      await connection.close();
    }
    const second = await runJob('create-namespace.sh', namespace);
    expect(second.stdout).toContain(`namespace ${namespace} exists`);
  }, 60_000);

  it('docker/register-search-attributes.sh registers the attributes on a fresh namespace; a second run changes nothing; a wrong type fails', async () => {
    const address = temporalAddress();
    const namespace = `compose-${randomUUID().slice(0, 8)}`;
    const connection = await Connection.connect({ address });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
      const run = (pairs = registeredPairs()) => runJob('register-search-attributes.sh', namespace, pairs);
      const first = await run();
      expect(first.stdout).toContain('search attributes ready');
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      const typeNames: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };
      const registered = Object.entries(listed.customAttributes ?? {}).map(([name, type]) => `${name}=${typeNames[type as number]}`);
      expect(registered).toEqual(expect.arrayContaining(registeredPairs()));

      const second = await run();
      expect(second.stdout.match(/already exists/g)).toHaveLength(registeredPairs().length);

      // An attribute of the same name but another type must stop the deployment, not pass silently.
      const [name, type] = registeredPairs()[0]!.split('=') as [string, string];
      const wrong = type === 'Int' ? 'Keyword' : 'Int';
      await expect(run([`${name}=${wrong}`])).rejects.toMatchObject({ stderr: expect.stringContaining(`${name} exists as ${type}, but agentrun needs ${wrong}`) });

      // A refusal that retrying cannot fix (here a type that does not exist) fails on the first
      // attempt, with the reason, instead of being retried AGENTRUN_SETUP_ATTEMPTS times.
      const refused = await run(['AgentRunNoSuchType=Color']).then(
        () => undefined,
        (error: { stderr: string }) => error.stderr,
      );
      expect(refused).toContain('could not register search attribute AgentRunNoSuchType (Color): ');
      expect(refused).not.toMatch(/after \d+ attempts/);
    } finally {
      await connection.close();
    }
  }, 60_000);
});
