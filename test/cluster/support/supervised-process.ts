/**
 * Child processes of the cluster lane (Temporal server processes, agentrun workers), each under a
 * small supervisor whose stdin is a pipe from the test process: if jest dies in any way, SIGKILL
 * included, the pipe closes and the supervisor stops its child, so nothing outlives the lane.
 *
 * Faults are injected on the real process, never on a wrapper: the supervisor reports its child's
 * pid, {@link SupervisedProcess.kill} signals that pid, waits for it to exit and checks it is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Runs in its own node process (`node -e`): starts the child with its output appended to a log
 * file (and, with `forward`, copied to our stdout), prints `pid N`, then `exit CODE SIGNAL` when the
 * child ends, and stops the child when stdin closes or on SIGTERM/SIGINT.
 */
const SUPERVISOR_SOURCE = `
const { spawn } = require('child_process');
const fs = require('fs');
const [logFile, forward, executable, ...args] = process.argv.slice(1);
const log = fs.openSync(logFile, 'a');
const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
for (const stream of [child.stdout, child.stderr]) {
  stream.on('data', (chunk) => {
    fs.writeSync(log, chunk);
    if (forward === '1') process.stdout.write(chunk);
  });
}
process.stdout.write('pid ' + child.pid + '\\n');
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 15000).unref();
}
child.on('exit', (code, signal) => {
  process.stdout.write('\\nexit ' + code + ' ' + signal + '\\n', () => process.exit(0));
});
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

/** How a supervised process ended. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

/** A process started by {@link supervise}. */
export interface SupervisedProcess {
  name: string;
  /** The real process (not the supervisor). */
  pid: number;
  logFile: string;
  startedAt: number;
  /** Resolves when the real process has exited. */
  exited: Promise<ProcessExit>;
  running(): boolean;
  /** Resolves once the forwarded output contains `text` (only with `forwardOutput`). */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  /** Signals the real pid (default SIGKILL), waits for it to exit and checks the pid is gone. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
  /** SIGTERM (the supervisor escalates to SIGKILL after 15 s); waits for the exit. */
  stop(): Promise<void>;
}

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Copy the child's output to the test process (for readiness lines); default false. */
  forwardOutput?: boolean;
}

/** Starts `executable args` under a supervisor and resolves once its real pid is known. */
export async function supervise(name: string, executable: string, args: string[], options: SuperviseOptions): Promise<SupervisedProcess> {
  fs.appendFileSync(options.logFile, `--- ${new Date().toISOString()} ${executable} ${args.join(' ')}\n`);
  const supervisor = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, options.logFile, options.forwardOutput ? '1' : '0', executable, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  let output = '';
  let resolveExit!: (exit: ProcessExit) => void;
  const exited = new Promise<ProcessExit>((resolve) => (resolveExit = resolve));
  let exitedAlready: ProcessExit | undefined;
  const pid = await new Promise<number>((resolve, reject) => {
    supervisor.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
      const started = /^pid (\d+)$/m.exec(output);
      if (started) resolve(Number(started[1]));
      const ended = /^exit (\S+) (\S+)$/m.exec(output);
      if (ended && !exitedAlready) {
        exitedAlready = { code: ended[1] === 'null' ? null : Number(ended[1]), signal: ended[2] === 'null' ? null : ended[2]! };
        resolveExit(exitedAlready);
      }
    });
    supervisor.once('exit', () => {
      reject(new Error(`the supervisor of ${name} exited before starting it`));
      if (!exitedAlready) {
        exitedAlready = { code: null, signal: 'supervisor-exit' };
        resolveExit(exitedAlready);
      }
    });
  });
  unref(supervisor);
  const handle: SupervisedProcess = {
    name,
    pid,
    logFile: options.logFile,
    startedAt: Date.now(),
    exited,
    running: () => exitedAlready === undefined,
    async waitForOutput(text, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (exitedAlready) throw new Error(`${name} exited (${JSON.stringify(exitedAlready)}) before printing "${text}"; see ${options.logFile}`);
        if (Date.now() > deadline) throw new Error(`${name} did not print "${text}" within ${timeoutMs} ms; see ${options.logFile}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill(signal = 'SIGKILL') {
      if (exitedAlready) throw new Error(`${name} (pid ${pid}) is not running`);
      process.kill(pid, signal);
      const exit = await holdingOpen(supervisor, exited);
      await assertGone(pid, name);
      return exit;
    },
    async stop() {
      if (exitedAlready || supervisor.exitCode !== null) return;
      supervisor.kill('SIGTERM');
      await holdingOpen(supervisor, exited);
    },
  };
  return handle;
}

/**
 * Resolves once no live process has `pid` (a zombie waiting to be reaped counts as gone); throws
 * if it is still alive after `timeoutMs`.
 */
export async function assertGone(pid: number, name: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`${name} (pid ${pid}) is still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    // "pid (comm) S ...": state Z is a zombie, dead but not yet reaped by its parent.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Awaits `promise` with the supervisor's pipe referenced: with every handle unreferenced, a process
 * with nothing else to do (jest's global teardown) would exit in the middle of the wait.
 */
async function holdingOpen<T>(child: ChildProcess, promise: Promise<T>): Promise<T> {
  const stdout = child.stdout as unknown as { ref?: () => void; unref?: () => void } | null;
  stdout?.ref?.();
  try {
    return await promise;
  } finally {
    stdout?.unref?.();
  }
}

/** Our ends of the pipes must not keep jest's event loop alive. */
function unref(child: ChildProcess): void {
  for (const stream of [child.stdin, child.stdout]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  child.unref();
}
