/**
 * The Python lane's clients: the pinned packages of `requirements.txt`, installed from PyPI into the
 * git-ignored cache (`.cache/python-clients/`, or `$AGENTRUN_CACHE_DIR/python-clients/`) the way
 * `src/dev-server/temporal-cli.ts` provisions the Temporal CLI (`pip install --target`), and
 * installed again only when the pins (or the Python version) change. Scripts then run with only
 * those packages importable: Python starts with `-S` (no site-packages of the machine) and
 * `PYTHONPATH` pointing at the cache, so a package missing from the pins fails instead of being
 * picked up from whatever the machine has.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDirectory } from '../../src/dev-server/project-paths';

/** The pins, one `name==version` a line. */
export const REQUIREMENTS_PATH = path.join(__dirname, 'requirements.txt');

/** A ready lane: the interpreter and the folder holding exactly the pinned packages. */
export interface PythonClients {
  /** The interpreter's real path (`sys.executable`: not a pyenv shim, so it runs in a clean environment). */
  python: string;
  /** e.g. `3.11.7`. */
  pythonVersion: string;
  /** The `--target` folder the scripts import from. */
  target: string;
  /** Exact pinned versions by package name, from `requirements.txt`. */
  pins: Record<string, string>;
  /** Seconds `pip install` took, or undefined when the cache was current. */
  installSeconds: number | undefined;
}

/** Output of a finished process. */
interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a process without blocking the event loop (an in-process emulator must keep answering while
 * Python talks to it) and with a deadline.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(command)} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `name==version` lines of the requirements file. */
export function readPins(text: string): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z0-9._-]+)==([^\s#]+)\s*(?:#.*)?$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) pins[match[1].toLowerCase().replace(/_/g, '-')] = match[2];
  }
  return pins;
}

/**
 * Finds Python, and installs the pinned clients into the cache unless the cache already holds
 * exactly these pins for this Python. Prints what it does. Throws a readable error when there is
 * no Python or pip cannot install from PyPI: the lane fails, it never skips.
 */
export async function provisionPythonClients(log: (line: string) => void): Promise<PythonClients> {
  const requirements = fs.readFileSync(REQUIREMENTS_PATH, 'utf8');
  const pins = readPins(requirements);
  const { python, pythonVersion } = await findPython();
  const minor = pythonVersion.split('.').slice(0, 2).join('.');
  // Compiled wheels (pydantic-core, jiter) are per Python version: one folder per minor version.
  const target = path.join(cacheDirectory(), 'python-clients', `cpython-${minor}`);
  const marker = path.join(target, '.agentrun-pins');
  const wanted = `python ${minor}\nrequirements sha256 ${createHash('sha256').update(requirements).digest('hex')}\n`;
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) {
    log(`python lane: pinned clients already installed in ${target}`);
    return { python, pythonVersion, target, pins, installSeconds: undefined };
  }

  log(`python lane: installing ${Object.keys(pins).length} pinned packages (test/python/requirements.txt) from PyPI into ${target} ...`);
  const started = Date.now();
  fs.rmSync(target, { recursive: true, force: true });
  const pip = await runProcess(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '--no-warn-conflicts',
      '--root-user-action=ignore',
      '--target',
      target,
      '--requirement',
      REQUIREMENTS_PATH,
    ],
    { env: process.env, timeoutMs: 10 * 60_000 },
  );
  if (pip.code !== 0) {
    const lastLines = pip.stderr.trim().split('\n').slice(-5).join('\n    ');
    throw new Error(
      `python lane: pip could not install the pinned clients from PyPI (exit ${pip.code}):\n    ${lastLines}\n` +
        'The lane needs PyPI, or a pip index / find-links that holds these exact versions (pip.conf, PIP_INDEX_URL). ' +
        `It is part of npm test and does not skip. Pins: ${REQUIREMENTS_PATH}`,
    );
  }
  // Written last: an interrupted install is redone next time.
  fs.writeFileSync(marker, wanted);
  const installSeconds = (Date.now() - started) / 1000;
  log(`python lane: installed in ${installSeconds.toFixed(1)} s`);
  return { python, pythonVersion, target, pins, installSeconds };
}

/** The first `python3` / `python` on PATH that is Python 3.9 or newer, by its real path. */
async function findPython(): Promise<{ python: string; pythonVersion: string }> {
  const tried: string[] = [];
  for (const name of ['python3', 'python']) {
    try {
      const probe = await runProcess(name, ['-c', 'import sys, platform; print(sys.executable); print(platform.python_version())'], {
        env: process.env,
        timeoutMs: 60_000,
      });
      const [executable, version] = probe.stdout.trim().split('\n');
      const [major, minor] = (version ?? '').split('.').map(Number);
      if (probe.code === 0 && executable && version && major === 3 && (minor ?? 0) >= 9) {
        return { python: executable, pythonVersion: version };
      }
      tried.push(`${name}: ${probe.code === 0 ? `Python ${version} is too old` : probe.stderr.trim().split('\n').pop()}`);
    } catch (error) {
      tried.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`python lane: needs Python >= 3.9 on PATH (as python3 or python). Tried: ${tried.join('; ')}`);
}

/**
 * Runs one lane script with only the pinned packages importable and a clean environment (no proxy,
 * CA bundle or Python variables of the machine leak in), passing `config` as JSON in `argv[1]`.
 * Resolves to the JSON object the script prints as its last line; rejects with its stderr when it
 * fails.
 */
export async function runLaneScript(clients: PythonClients, script: string, config: unknown, timeoutMs = 120_000): Promise<unknown> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PYTHONPATH: clients.target,
    PYTHONIOENCODING: 'utf-8',
  };
  const result = await runProcess(clients.python, ['-S', '-s', script, JSON.stringify(config)], { env, cwd: path.dirname(script), timeoutMs });
  if (result.code !== 0) {
    throw new Error(`${path.basename(script)} exited with ${result.code}:\n${result.stderr.slice(-6000)}\nstdout:\n${result.stdout.slice(-2000)}`);
  }
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as unknown;
  } catch {
    throw new Error(`${path.basename(script)} did not end with a JSON line:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  }
}
