/**
 * Runs the built CLI (`node dist/cli.js ...`) as a child process, the way a person or a script
 * does, and collects its exit code and output. `npm test` builds before jest runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root and the built CLI. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'cli.js');

/** How a CLI process ended. */
export interface CliResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli} and {@link spawnCli}. */
export interface CliOptions {
  /** Added to {@link cliEnvironment}'s base. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The process is killed (SIGKILL) after this long; the test then fails on its output. Default 30 s. */
  timeoutMs?: number;
}

/** Fails early, with the fix, when the CLI was not built. */
export function requireBuiltCli(): void {
  if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run build" first (npm test builds before jest).`);
}

/**
 * The children's environment: this process's, without anything that would point them at another
 * Temporal server or provider than the test's, and without colors.
 */
export function cliEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(environment)) {
    if (/^(TEMPORAL_|AGENTRUN_(PROVIDER|EMULATOR_|TASK_QUEUE|DEMO_|ENCRYPTION_)|OPENAI_|AZURE_)/.test(name) && name !== 'TEMPORAL_CLI_PATH') delete environment[name];
  }
  return { ...environment, ...extra };
}

/** A running CLI process. */
export interface CliProcess {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the first match of `pattern` in stdout; rejects when the process ends first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has ended. */
  exited: Promise<CliResult>;
}

/** Starts the CLI and returns at once. */
export function spawnCli(args: string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: options.cwd ?? REPO_ROOT, env: cliEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    listeners.forEach((listener) => listener());
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  let ended = false;
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (exitCode, signal) => {
      clearTimeout(killer);
      ended = true;
      listeners.forEach((listener) => listener());
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} in the CLI's output.\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        const check = () => {
          const match = stdout.match(pattern);
          if (match) finish(undefined, match);
          else if (ended) finish(new Error(`the CLI exited before printing ${pattern}.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        };
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).exited;
}

/** Parses stdout as exactly one JSON document (throws, showing the output, when it is not). */
export function parseJsonOutput<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${(error as Error).message}).\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
