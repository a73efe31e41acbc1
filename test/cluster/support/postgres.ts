/**
 * A private PostgreSQL cluster for one test file, through scripts/cluster/postgres.sh (the same
 * script an operator can use): its own data directory under the lane's folder in .cache/, its own
 * loopback port, never the machine's own cluster.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { assertGone } from './supervised-process';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'cluster', 'postgres.sh');

/** The role Temporal connects as (postgres.sh's defaults). */
export const POSTGRES_USER = 'temporal';
export const POSTGRES_PASSWORD = 'temporal';

/** How PostgreSQL is stopped: `immediate` is a crash as far as the data goes (WAL replay on start). */
export type PostgresStopMode = 'fast' | 'immediate';

export class Postgres {
  private constructor(
    readonly dataDirectory: string,
    readonly port: number,
  ) {}

  /** initdb into `dataDirectory` (which must not exist yet or be empty) on `port`, then start. */
  static async create(dataDirectory: string, port: number): Promise<Postgres> {
    await script('init', dataDirectory, String(port));
    const postgres = new Postgres(dataDirectory, port);
    await postgres.start();
    return postgres;
  }

  /** Starts the cluster and waits until it accepts connections. */
  async start(): Promise<void> {
    await script('start', this.dataDirectory);
  }

  /** Stops the postmaster, waits for it, and checks its pid is gone; returns that pid. */
  async stop(mode: PostgresStopMode = 'fast'): Promise<number | undefined> {
    const pid = this.pid();
    await script('stop', this.dataDirectory, mode);
    if (pid !== undefined) await assertGone(pid, 'the postmaster');
    return pid;
  }

  /** The postmaster's pid while it runs. */
  pid(): number | undefined {
    const file = path.join(this.dataDirectory, 'postmaster.pid');
    if (!fs.existsSync(file)) return undefined;
    return Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  }
}

/** Stops every cluster left running under `directory` (a lane run that died), at once. */
export async function stopLeftoverPostgres(directory: string): Promise<string[]> {
  if (!fs.existsSync(directory)) return [];
  const stopped: string[] = [];
  for (const entry of fs.readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name !== 'postmaster.pid') continue;
    const dataDirectory = entry.parentPath;
    await script('stop', dataDirectory, 'immediate').catch(() => undefined);
    stopped.push(dataDirectory);
  }
  return stopped;
}

async function script(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(SCRIPT, args, { encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`postgres.sh ${args.join(' ')} failed: ${failed.stderr || failed.message}`);
  }
}
