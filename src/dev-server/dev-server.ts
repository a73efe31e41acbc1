/**
 * Starts and stops `temporal server start-dev`: the one place tests, the demo, the benchmarks and
 * `agentrun dev` get a real Temporal server from.
 *
 * The server runs under a small supervisor process whose stdin is a pipe from us. When our process
 * dies in any way, SIGKILL included, the pipe closes and the supervisor stops the server, so no
 * orphan servers outlive a test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeCliType } from '../shared/search-attributes';
import { keysToRegister, searchAttributeConfigFromEnvironment } from '../search-attribute-config';
import { freePort } from './free-port';
import { findTemporalCli, type TemporalCli } from './temporal-cli';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** gRPC port (default: a free one). */
  port?: number;
  /** Web UI port; with `ui: true` and no port, a free one. */
  uiPort?: number;
  /** Serve the Temporal Web UI (default false: tests do not need it). */
  ui?: boolean;
  /** SQLite file for state that survives restarts (default: in memory). */
  dbFilename?: string;
  /** Namespace to create and use (default `default`). */
  namespace?: string;
  /** Extra `--dynamic-config-value KEY=JSON` pairs, e.g. lower history limits in tests. */
  dynamicConfig?: Record<string, unknown>;
  /** Server log level (default `error`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the server to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

/** A running dev server. */
export interface RunningDevServer {
  /** `host:port` for `Connection.connect` / `NativeConnection.connect`. */
  address: string;
  namespace: string;
  /** Web UI origin, when the UI is on. */
  uiUrl?: string;
  cli: TemporalCli;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs in its own node process (`node -e`): starts the CLI with the given arguments, forwards its
 * output, and stops it when stdin closes (the parent died) or on SIGTERM/SIGINT.
 */
const SUPERVISOR_SOURCE = `
const { spawn } = require('child_process');
const [executable, ...args] = process.argv.slice(1);
const server = spawn(executable, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  setTimeout(() => server.kill('SIGKILL'), 10000).unref();
}
server.on('exit', (code, signal) => process.exit(code === null ? (signal === 'SIGTERM' ? 0 : 1) : code));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

/** Starts a dev server with agentrun's search attributes registered and waits until it answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cli = await findTemporalCli({ log });
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const namespace = options.namespace ?? 'default';
  const uiPort = options.ui ? (options.uiPort ?? (await freePort(host))) : undefined;

  const args = [
    'server', 'start-dev',
    '--ip', host,
    '--port', String(port),
    '--http-port', String(await freePort(host)),
    '--metrics-port', String(await freePort(host)),
    '--log-level', options.logLevel ?? 'error',
    '--namespace', namespace,
    // What this environment's workers and clients use (AGENTRUN_SEARCH_ATTRIBUTES, AGENTRUN_SEARCH_ATTRIBUTE_PREFIX).
    ...keysToRegister(searchAttributeConfigFromEnvironment()).flatMap((key) => ['--search-attribute', `${key.name}=${searchAttributeCliType(key.type)}`]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
  if (uiPort !== undefined) args.push('--ui-ip', host, '--ui-port', String(uiPort));
  else args.push('--headless');
  if (options.dbFilename) {
    fs.mkdirSync(path.dirname(path.resolve(options.dbFilename)), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }

  const supervisor = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, cli.path, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = new OutputTail();
  supervisor.stdout?.on('data', (chunk: Buffer) => output.add(chunk));
  supervisor.stderr?.on('data', (chunk: Buffer) => output.add(chunk));
  // Our end of the pipe must not keep the parent's event loop alive.
  unrefStreams(supervisor);

  const address = `${host}:${port}`;
  try {
    await waitUntilServing(address, namespace, supervisor, output, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stopProcess(supervisor);
    throw error;
  }
  const uiUrl = uiPort === undefined ? undefined : `http://${host}:${uiPort}`;
  log(`agentrun: Temporal dev server ${cli.version} at ${address}${uiUrl ? `, Web UI ${uiUrl}` : ''}${options.dbFilename ? `, state in ${options.dbFilename}` : ''}`);

  return {
    address,
    namespace,
    uiUrl,
    cli,
    pid: supervisor.pid ?? -1,
    stop: () => stopProcess(supervisor),
  };
}

async function waitUntilServing(address: string, namespace: string, supervisor: ChildProcess, output: OutputTail, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (supervisor.exitCode !== null || supervisor.signalCode !== null) {
      throw new Error(`agentrun: the Temporal dev server exited during start-up (exit ${supervisor.exitCode ?? supervisor.signalCode}).\n${output.text()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await stopProcess(supervisor);
  throw new Error(`agentrun: the Temporal dev server at ${address} did not answer within ${timeoutMs} ms (${String(lastError)}).\n${output.text()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function unrefStreams(child: ChildProcess): void {
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  child.unref();
}

/** The last lines the server printed, for start-up error messages. */
class OutputTail {
  private lines: string[] = [];
  add(chunk: Buffer): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (this.lines.length > 40) this.lines = this.lines.slice(-40);
  }
  text(): string {
    return this.lines.join('\n');
  }
}
