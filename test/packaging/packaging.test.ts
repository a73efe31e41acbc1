/**
 * agentrun as a backend service installs it: `npm pack`, the tarball installed into scratch
 * projects (one on zod 4, one on zod 3), a TypeScript consumer type-checked as CommonJS and as ESM,
 * a client-only module that starts runs without loading the worker, and a user's own worker with
 * `AgentrunPlugin` whose own workflow imports `agentrun/workflow` and starts `agentRunWorkflow` as a
 * typed child, on the suite's dev server against the emulator. Prints the tarball's size and file
 * count and the client entry's module count and load time.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { temporalAddress, temporalNamespace } from '../support/temporal';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const FIXTURES = path.join(__dirname, 'consumer');

/** The versions a consumer installs beside agentrun: the ones agentrun is developed against. */
function consumerDependencies(tarball: string, zod: string): Record<string, string> {
  const pinned = (name: string) => PACKAGE.devDependencies[name]!;
  return {
    agentrun: `file:${tarball}`,
    '@temporalio/activity': pinned('@temporalio/activity'),
    '@temporalio/client': pinned('@temporalio/client'),
    '@temporalio/common': pinned('@temporalio/common'),
    '@temporalio/envconfig': pinned('@temporalio/envconfig'),
    '@temporalio/plugin': pinned('@temporalio/plugin'),
    '@temporalio/worker': pinned('@temporalio/worker'),
    '@temporalio/workflow': pinned('@temporalio/workflow'),
    openai: pinned('openai'),
    zod,
    typescript: pinned('typescript'),
    '@types/node': pinned('@types/node'),
  };
}

describe('agentrun as an installed package', () => {
  let scratch: string;
  let tarball: string;
  let emulator: RunningEmulator;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-packaging-'));
    // The build is npm test's own; packing runs no scripts.
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number; files: Array<{ path: string }> }>;
    tarball = path.join(scratch, packed!.filename);
    process.stdout.write(`packaging: ${packed!.filename}: ${(packed!.size / 1024).toFixed(0)} KiB packed, ${(packed!.unpackedSize / 1024 / 1024).toFixed(1)} MiB unpacked, ${packed!.entryCount} files\n`);
    const files = packed!.files.map((file) => file.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/workflow-bundle.js');
    expect(files.filter((file) => /^(test|src|reference)\/|\.pem$|\.map$|\.test\./.test(file))).toEqual([]);
    emulator = await startEmulator({ stepDelayMs: 30, queuedDelayMs: 5, pollAfterMs: 0 });
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await emulator?.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe.each([
    ['zod 4', PACKAGE.devDependencies.zod!],
    ['zod 3', '3.25.76'],
  ])('a service on %s', (label, zodVersion) => {
    let project: string;

    beforeAll(async () => {
      project = path.join(scratch, label.replace(/\s+/g, '-'));
      fs.cpSync(FIXTURES, project, { recursive: true });
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: `consumer-${label.replace(/\s+/g, '-')}`, private: true, version: '1.0.0', dependencies: consumerDependencies(tarball, zodVersion) }, null, 2));
      const started = Date.now();
      // From npm's cache (the repository's own install filled it): a scratch project, as a service would install it.
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
      process.stdout.write(`packaging (${label}): npm install of the tarball and its peers took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'zod', 'package.json'), 'utf8')) as { version: string };
      expect(installed.version).toBe(zodVersion);
      // One SDK copy: agentrun uses the service's @temporalio packages, not copies of its own.
      expect(fs.existsSync(path.join(project, 'node_modules', 'agentrun', 'node_modules', '@temporalio'))).toBe(false);
      expect(fs.existsSync(path.join(project, 'node_modules', 'agentrun', 'node_modules', 'zod'))).toBe(false);
    }, 300_000);

    it('type-checks a TypeScript consumer as CommonJS and as ESM, and imports every entry by name from an ES module', async () => {
      const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
      for (const config of ['tsconfig.cjs.json', 'tsconfig.esm.json']) {
        const result = await run(process.execPath, [tsc, '-p', config], { cwd: project }).catch((error: { stdout?: string; stderr?: string }) => error);
        expect({ config, output: `${(result as { stdout?: string }).stdout ?? ''}${(result as { stderr?: string }).stderr ?? ''}` }).toEqual({ config, output: '' });
      }
      const { stdout } = await run(process.execPath, ['esm-check.mjs'], { cwd: project });
      expect(JSON.parse(stdout)).toEqual({ AgentRunClient: 'function', defineTool: 'function', AgentrunPlugin: 'function', agentRunWorkflow: 'function', signal: 'approveToolCall', startEmulator: 'function' });
    }, 120_000);

    it('runs agent runs from a client-only module, and a child run from a workflow of its own, on its own worker with AgentrunPlugin', async () => {
      const taskQueue = `packaging-${label.replace(/\s+/g, '-')}-${Date.now()}`;
      const env = {
        ...process.env,
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: temporalNamespace(),
        AGENTRUN_TASK_QUEUE: taskQueue,
        AGENTRUN_PROVIDER: 'emulator-responses',
        AGENTRUN_EMULATOR_URL: emulator.url,
        AGENTRUN_EMULATOR_API_KEY: emulator.apiKey,
      };
      const worker = spawn(process.execPath, ['worker.js'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
      workers.push(worker);
      let workerOutput = '';
      worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
      worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the worker did not start:\n${workerOutput}`)), 120_000);
        worker.stdout!.on('data', () => workerOutput.includes('worker ready') && (clearTimeout(timer), resolve()));
        worker.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the worker exited (${code}):\n${workerOutput}`))));
      });
      try {
        const { stdout } = await run(process.execPath, ['client-only.js'], { cwd: project, env, timeout: 120_000 });
        const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { modules: number; loadMs: number; forbidden: string[]; direct: { status: string; toolOutput: string }; child: { status: string; toolOutput: string } };
        process.stdout.write(`packaging (${label}): require('agentrun') loaded ${report.modules} modules in ${report.loadMs} ms\n`);
        expect(report.forbidden).toEqual([]);
        expect(report.direct).toEqual({ status: 'completed', toolOutput: 'HELLO' });
        expect(report.child).toEqual({ status: 'completed', toolOutput: 'CHILD' });
      } finally {
        worker.kill('SIGTERM');
      }
      }, 240_000);
  });
});
