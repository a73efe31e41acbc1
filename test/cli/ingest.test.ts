/**
 * `agentrun ingest` as a child process of the built CLI, against the suite's Temporal server, an
 * in-process emulator (file outcomes by name: `.fail.` fails) and an in-process worker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IngestReport } from '../../src/commands/ingest-command';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { WorkflowFailedError } from '@temporalio/client';
import { IngestionClient } from '../../src/ingestion-client';
import { parseJsonOutput, requireBuiltCli, runCli, spawnCli, type CliOptions } from './cli-process';

describe('agentrun ingest', () => {
  let harness: Harness;
  let cli: CliOptions;
  let directory: string;

  beforeAll(async () => {
    requireBuiltCli();
    harness = await startHarness('cli-ingest', { emulator: { fileProcessingMs: 50, pollAfterMs: 0 } });
    // `ingest` warns on stderr while no worker polls its task queue; the tests below expect a quiet stderr.
    await harness.workerPolling();
    cli = { env: { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace(), AGENTRUN_TASK_QUEUE: harness.temporal.taskQueue } };
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-cli-ingest-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  function writeFiles(folder: string, names: string[]): string {
    const root = path.join(directory, folder);
    for (const name of names) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), `contents of ${name}\n`);
    }
    return root;
  }

  it('--new NAME FOLDER --json prints one JSON object with one entry per file: a .fail. file and a missing path are failed with their reasons', async () => {
    const folder = writeFiles('docs', ['b.fail.txt', 'a.txt', 'sub/c.md', '.hidden.txt', '.git/config']);
    const missing = path.join(directory, 'no-such-file.pdf');
    const result = await runCli(['ingest', '--new', 'cli docs', folder, missing, '--json', '--poll-interval', '50ms'], cli);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
    const report = parseJsonOutput<IngestReport>(result);
    expect(report.workflowId).toMatch(/^ingest-cli-docs-\d{8}-\d{6}-[0-9a-f]{10}$/);
    expect(report.vectorStoreId).toMatch(/^vs_/);
    expect(report.fileCounts).toEqual({ in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 });
    expect(report.files).toEqual([
      { path: path.join(folder, 'a.txt'), status: 'completed' },
      { path: path.join(folder, 'b.fail.txt'), status: 'failed', stage: 'processing', error: 'invalid_file: The file could not be parsed.' },
      { path: path.join(folder, 'sub', 'c.md'), status: 'completed' },
      { path: missing, status: 'failed', stage: 'read', error: 'not found: no such file or directory' },
    ]);
    expect(report).toMatchObject({ completed: 2, failed: 2 });
    expect(report.failuresOmitted).toBeUndefined();
    const store = await harness.openai.vectorStores.retrieve(report.vectorStoreId);
    expect(store).toMatchObject({ name: 'cli docs', file_counts: { completed: 2, failed: 1, total: 3 } });
  });

  it('into an existing vector store: progress with the counts on stderr, the summary on stdout, exit 0 when every file completed', async () => {
    const store = await harness.openai.vectorStores.create({ name: 'existing' });
    const folder = writeFiles('more', ['one.txt', 'two.txt']);
    const result = await runCli(['ingest', store.id, path.join(folder, 'one.txt'), path.join(folder, 'two.txt'), '--poll-interval', '50ms', '--batch-size', '1'], cli);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/Ingesting 2 file\(s\) into vector store vs_\S+: workflow ingest-vs_\S+/);
    expect(result.stderr).toMatch(/2\/2 done \(100%\): uploaded 2, processing 0, completed 2, failed 0/);
    expect(result.stdout).toContain(`Done: 2 of 2 file(s) ingested into ${store.id}`);
    expect(result.stdout).toMatch(/file_counts: completed 2 · failed 0 · in_progress 0 · cancelled 0 · total 2/);
  });

  it('Ctrl-C with --cancel-on-interrupt cancels the ingestion (exit 130); without it, only stops following', async () => {
    const folder = writeFiles('stuck', ['forever.stuck.txt']);
    const ingestion = new IngestionClient(harness.temporal.client, { taskQueue: harness.temporal.taskQueue });
    const startAndInterrupt = async (extra: string[]) => {
      const cliProcess = spawnCli(['ingest', '--new', 'stuck', folder, '--poll-interval', '50ms', ...extra], cli);
      const workflowId = await eventually(async () => cliProcess.output().stderr.match(/workflow (ingest-\S+)/)?.[1], 15_000, 'the workflow id on stderr');
      await eventually(async () => ((await ingestion.progress(workflowId).catch(() => undefined))?.processing ?? 0) > 0, 15_000, 'the file processing');
      cliProcess.child.kill('SIGINT');
      return { workflowId, result: await cliProcess.exited };
    };

    const following = await startAndInterrupt([]);
    expect(following.result.exitCode).toBe(130);
    expect(following.result.stderr).toContain(`Stopped following ${following.workflowId}; the ingestion continues.`);
    expect(following.result.stderr).toMatch(new RegExp(`cancel: node \\S*cli\\.js cancel ${following.workflowId}`));
    expect((await harness.temporal.client.workflow.getHandle(following.workflowId).describe()).status.name).toBe('RUNNING');
    await ingestion.cancel(following.workflowId);

    const cancelling = await startAndInterrupt(['--cancel-on-interrupt']);
    expect(cancelling.result.exitCode).toBe(130);
    expect(cancelling.result.stderr).toContain(`Cancellation requested for ${cancelling.workflowId}`);
    await expect(ingestion.result(cancelling.workflowId)).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await harness.temporal.client.workflow.getHandle(cancelling.workflowId).describe()).status.name).toBe('CANCELLED');
  });

  it('exits 2 on bad input, naming the flag or the mistake, before starting anything', async () => {
    const folder = writeFiles('bad', ['x.txt']);
    const tooBig = await runCli(['ingest', '--new', 'x', folder, '--batch-size', '900'], cli);
    expect(tooBig.exitCode).toBe(2);
    expect(tooBig.stderr).toMatch(/--batch-size: Too big/);
    const pathFirst = await runCli(['ingest', folder], cli);
    expect(pathFirst.exitCode).toBe(2);
    expect(pathFirst.stderr).toMatch(/the first argument is the vector store's id .*--new NAME/);
    const nothing = await runCli(['ingest', '--new', 'x', path.join(directory, 'missing-folder')], cli);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to ingest.*\n.*missing-folder: not found/);
    expect(`${tooBig.stdout}${pathFirst.stdout}${nothing.stdout}`).toBe('');
  });
});
