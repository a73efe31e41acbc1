/**
 * `agentrun ingest`: ingests files and folders into a vector store with `ingestDocumentsWorkflow`
 * and follows it with a progress bar, then reports every file's outcome.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { IngestionClient, InvalidIngestionInputError } from '../ingestion-client';
import { ingestDocumentsInputSchema, type IngestDocumentsInput } from '../shared/ingestion-input';
import type { DocumentOutcome, FileCounts, IngestionProgress, IngestionResult } from '../shared/ingestion-types';
import {
  CONNECTION_HELP,
  CommandError,
  ExitCode,
  TASK_QUEUE_HELP,
  connectOrExplain,
  connectionOptionSpecs,
  failureSentence,
  listenForStop,
  noWorkerPolls,
  parseCommandLine,
  printError,
  printJson,
  printLine,
  suggestedCommand,
  type ConnectionFlags,
} from './command-support';
import { expandIngestPaths, type IngestInputPath } from './ingest-paths';
import { IngestProgressDisplay, followIngestion, formatDuration } from './ingest-progress';
import { shellQuote, style } from './text-format';

const HELP = `usage: agentrun ingest VECTOR_STORE_ID FILE_OR_FOLDER... [options]
       agentrun ingest --new NAME FILE_OR_FOLDER... [options]

Uploads files into a vector store (an existing one, or a new one with --new) with a durable
Temporal workflow: uploads in parallel, attaches them in batches, waits until the provider has
processed each, and retries failed files. Folders are read recursively (dotfiles skipped, sorted).
The worker reads the files: it must see the same paths (the same machine, or a shared volume).
Progress goes to stderr; the summary (or, with --json, one JSON object) to stdout.

  --new NAME                  create a vector store with this name (instead of VECTOR_STORE_ID)
  --expires-after-days N      with --new: the store expires N days after its last use
  --json                      print only the outcome, as one JSON object:
                              {workflowId, vectorStoreId, fileCounts, files: [{path, status, error?}]}
  --batch-size N              files per batch and per child workflow (default 500, at most 500)
  --parallel-batches N        batches in flight at once (default 2, at most 16)
  --upload-concurrency N      uploads in flight at once (default 8, at most 64)
  --file-deadline DUR         give up on a file still processing after this long (default 10 minutes)
  --batch-deadline DUR        give up on a batch after this long (default 1 hour)
  --retry-attempts N          attempts per file when processing fails with a retryable error (default 2)
  --poll-interval DUR         how often the workflow polls the provider (default 1s)
  --input FILE                other workflow input fields as JSON (see IngestDocumentsInput:
                              chunkingStrategy, purpose, maxFileBytes, retry.onCodes, ...); flags win
  --workflow-id ID            workflow id (default: ingest-<vector store or name>-<time>-<random>)
  --no-follow                 start and exit; prints the workflow id
  --cancel-on-interrupt       Ctrl-C cancels the ingestion (default: it only stops following)
${TASK_QUEUE_HELP}
${CONNECTION_HELP}
  -h, --help                  this text

Durations: milliseconds or text such as 30s, 10 minutes, 2h.
Exit codes: 0 every file completed; 1 a file failed (or could not be read), or the workflow
failed (type and message on stderr); 2 bad options or input; 130 stopped following with Ctrl-C.

Examples:
  agentrun ingest --new handbook ./docs
  agentrun ingest vs_abc123 report.pdf notes/ --json | jq '.files[] | select(.status == "failed")'
  agentrun ingest --new archive /data/archive --batch-size 200 --parallel-batches 4 --no-follow
`;

/** The flags of `agentrun ingest`. */
interface IngestFlags extends ConnectionFlags {
  new?: string;
  'expires-after-days'?: string;
  json: boolean;
  'batch-size'?: string;
  'parallel-batches'?: string;
  'upload-concurrency'?: string;
  'file-deadline'?: string;
  'batch-deadline'?: string;
  'retry-attempts'?: string;
  'poll-interval'?: string;
  input?: string;
  'workflow-id'?: string;
  'no-follow': boolean;
  'cancel-on-interrupt': boolean;
}

/** One file of the `--json` report. */
export interface IngestedFileReport {
  path: string;
  status: 'completed' | 'failed';
  /** For a failure: the stage it failed in (`read`, `upload` or `processing`). */
  stage?: string;
  error?: string;
}

/** The `--json` report: one object on stdout. */
export interface IngestReport {
  workflowId: string;
  vectorStoreId: string;
  /** The vector store's `file_counts` as the provider reports them. */
  fileCounts: { in_progress: number; completed: number; failed: number; cancelled: number; total: number };
  completed: number;
  failed: number;
  /** One entry per input file, in command-line order. */
  files: IngestedFileReport[];
  /** Present when the workflow listed only its first failures: this many more failed, and are reported as completed here. */
  failuresOmitted?: number;
  note?: string;
}

/** `agentrun ingest`. */
export async function ingestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('ingest', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        new: { type: 'string' },
        'expires-after-days': { type: 'string' },
        json: { type: 'boolean', default: false },
        'batch-size': { type: 'string' },
        'parallel-batches': { type: 'string' },
        'upload-concurrency': { type: 'string' },
        'file-deadline': { type: 'string' },
        'batch-deadline': { type: 'string' },
        'retry-attempts': { type: 'string' },
        'poll-interval': { type: 'string' },
        input: { type: 'string' },
        'workflow-id': { type: 'string' },
        'no-follow': { type: 'boolean', default: false },
        'cancel-on-interrupt': { type: 'boolean', default: false },
        'task-queue': { type: 'string' },
        ...connectionOptionSpecs,
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const { vectorStoreId, pathArguments } = splitTarget(values, positionals);
  const inputs = await expandIngestPaths(pathArguments);
  const files = inputs.filter((input): input is Extract<IngestInputPath, { kind: 'file' }> => input.kind === 'file');
  if (!files.length) {
    const reasons = inputs.map((input) => (input.kind === 'unusable' ? `\n  ${input.path}: ${input.error}` : '')).join('');
    throw new CommandError(`nothing to ingest: no files in ${pathArguments.map(shellQuote).join(' ')}${reasons}`, ExitCode.usage);
  }
  const input = buildIngestInput(values, vectorStoreId, files.map((file) => file.path));

  const client = await connectOrExplain(values, (options) => IngestionClient.connect(options));
  try {
    const workflowId = await startIngestion(client, input, values['workflow-id']);
    if (await noWorkerPolls(client)) {
      printError(`agentrun ingest: no worker polls task queue ${client.taskQueue} right now; the ingestion starts when one does ("agentrun worker", or "agentrun dev").`);
    }
    if (values['no-follow']) {
      if (values.json) printJson({ workflowId });
      else {
        printLine(`Started ingestion ${style.bold(workflowId)} of ${files.length} file(s) (task queue ${client.taskQueue}).`);
        printLine(`  cancel: ${suggestedCommand(['cancel', shellQuote(workflowId)], values)}`);
      }
      return ExitCode.ok;
    }
    return await follow(client, workflowId, inputs, values, vectorStoreId);
  } finally {
    await client.close();
  }
}

/** The vector store (or `--new`) and the path arguments. */
function splitTarget(flags: IngestFlags, positionals: string[]): { vectorStoreId: string | undefined; pathArguments: string[] } {
  if (flags.new !== undefined) {
    if (!flags.new.trim()) throw new CommandError('--new needs the new vector store\'s name. See "agentrun ingest --help".', ExitCode.usage);
    if (!positionals.length) throw new CommandError('name the files or folders to ingest. See "agentrun ingest --help".', ExitCode.usage);
    return { vectorStoreId: undefined, pathArguments: positionals };
  }
  const [vectorStoreId, ...pathArguments] = positionals;
  if (!vectorStoreId) throw new CommandError('usage: agentrun ingest VECTOR_STORE_ID FILE_OR_FOLDER... (or --new NAME FILE_OR_FOLDER...). See "agentrun ingest --help".', ExitCode.usage);
  if (fs.existsSync(vectorStoreId)) {
    throw new CommandError(`"${vectorStoreId}" is a file or folder, but the first argument is the vector store's id (vs_...); to create a vector store, pass --new NAME.`, ExitCode.usage);
  }
  if (!pathArguments.length) throw new CommandError(`name the files or folders to ingest into ${vectorStoreId}. See "agentrun ingest --help".`, ExitCode.usage);
  if (flags['expires-after-days'] !== undefined) throw new CommandError('--expires-after-days goes with --new (it is set when the vector store is created).', ExitCode.usage);
  return { vectorStoreId, pathArguments };
}

/** Flag name of each input field, for messages. */
const FLAG_OF_FIELD: Record<string, string> = {
  vectorStoreId: 'VECTOR_STORE_ID',
  newVectorStore: '--new',
  batchSize: '--batch-size',
  parallelBatches: '--parallel-batches',
  uploadConcurrency: '--upload-concurrency',
  fileDeadline: '--file-deadline',
  batchDeadline: '--batch-deadline',
  retry: '--retry-attempts',
  pollInterval: '--poll-interval',
};

function integerFlag(flags: IngestFlags, name: keyof IngestFlags & string): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new CommandError(`--${name} "${String(raw)}" is not a whole number. See "agentrun ingest --help".`, ExitCode.usage);
  }
  return value;
}

/**
 * The workflow input from `--input` and the flags, validated with the workflow's own schema; a
 * mistake names the flag (or the `--input` field).
 */
export function buildIngestInput(flags: IngestFlags, vectorStoreId: string | undefined, paths: string[]): IngestDocumentsInput {
  const input: Record<string, unknown> = flags.input ? readInputFile(flags.input) : {};
  if (vectorStoreId) {
    input.vectorStoreId = vectorStoreId;
    delete input.newVectorStore;
  } else {
    delete input.vectorStoreId;
    const expiresAfterDays = integerFlag(flags, 'expires-after-days');
    input.newVectorStore = { ...(input.newVectorStore as object | undefined), name: flags.new, ...(expiresAfterDays !== undefined ? { expiresAfterDays } : {}) };
  }
  input.documents = paths.map((file) => ({ path: file }));
  const numbers: [string, keyof IngestFlags & string][] = [
    ['batchSize', 'batch-size'],
    ['parallelBatches', 'parallel-batches'],
    ['uploadConcurrency', 'upload-concurrency'],
  ];
  for (const [field, flag] of numbers) {
    const value = integerFlag(flags, flag);
    if (value !== undefined) input[field] = value;
  }
  if (flags['file-deadline']) input.fileDeadline = flags['file-deadline'];
  if (flags['batch-deadline']) input.batchDeadline = flags['batch-deadline'];
  if (flags['poll-interval']) input.pollInterval = flags['poll-interval'];
  const attempts = integerFlag(flags, 'retry-attempts');
  if (attempts !== undefined) input.retry = { ...(input.retry as object | undefined), attempts };

  const parsed = ingestDocumentsInputSchema().safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [field, ...rest] = issue.path.map(String);
      const flag = field !== undefined && FLAG_OF_FIELD[field] && !(field === 'retry' && rest[0] !== 'attempts') ? FLAG_OF_FIELD[field] : undefined;
      const where = flag ?? (issue.path.length ? `${flags.input ? '--input ' : ''}${issue.path.map(String).join('.')}` : '(input)');
      return `${where}: ${issue.message}`;
    });
    throw new CommandError(`invalid ingestion: ${problems.join('; ')}`, ExitCode.usage);
  }
  return input as IngestDocumentsInput;
}

function readInputFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandError(`--input ${file}: ${(error as Error).message}`, ExitCode.usage);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CommandError(`--input ${file}: must hold a JSON object (workflow input fields)`, ExitCode.usage);
  return parsed as Record<string, unknown>;
}

/** Starts the workflow; a taken workflow id becomes a usage error. */
async function startIngestion(client: IngestionClient, input: IngestDocumentsInput, workflowId: string | undefined): Promise<string> {
  try {
    return (await client.startIngestion(input, { workflowId })).workflowId;
  } catch (error) {
    if (error instanceof InvalidIngestionInputError) throw new CommandError(error.message, ExitCode.usage);
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new CommandError(`a workflow with id ${workflowId} is already running; pick another --workflow-id`, ExitCode.usage);
    throw error;
  }
}

/** Follows the ingestion (a progress bar on stderr), prints the outcome, and returns the exit code. */
async function follow(client: IngestionClient, workflowId: string, inputs: IngestInputPath[], flags: IngestFlags, vectorStoreId: string | undefined): Promise<number> {
  const interrupt = listenForStop();
  const startedAt = Date.now();
  const fileCount = inputs.filter((input) => input.kind === 'file').length;
  // With --json the bar is drawn only on a terminal: a script capturing stderr gets no noise.
  const showProgress = !flags.json || Boolean(process.stderr.isTTY);
  const display = showProgress ? new IngestProgressDisplay() : undefined;
  try {
    if (showProgress) {
      const where = vectorStoreId ? `vector store ${vectorStoreId}` : `a new vector store "${flags.new ?? ''}"`;
      printError(`Ingesting ${fileCount} file(s) into ${where}: workflow ${style.bold(workflowId)}`);
      printError(style.dim(`  task queue ${client.taskQueue}; Ctrl-C ${flags['cancel-on-interrupt'] ? 'cancels the ingestion' : 'stops following (the ingestion continues)'}`));
      const unusable = inputs.length - fileCount;
      if (unusable) printError(style.yellow(`  ${unusable} path(s) cannot be read and are not sent; they are reported as failed at the end`));
    }
    const outcome = await followIngestion(client, workflowId, { display, signal: interrupt.signal });
    switch (outcome.kind) {
      case 'stopped':
        display?.interrupt();
        if (flags['cancel-on-interrupt']) {
          try {
            await client.cancel(workflowId);
          } catch (error) {
            // It may have closed in the meantime: say what happened rather than crash.
            printError(`agentrun ingest: could not cancel ${workflowId}: ${(error as Error).message}`);
            return ExitCode.interrupted;
          }
          printError(`Cancellation requested for ${workflowId}: batches in flight are cancelled at the provider; files already processed stay in the vector store.`);
        } else {
          printError(`Stopped following ${workflowId}; the ingestion continues.`);
          printError(`  cancel: ${suggestedCommand(['cancel', shellQuote(workflowId)], flags)}`);
        }
        return ExitCode.interrupted;
      case 'failure':
        display?.finish();
        printError(`agentrun ingest: ${failureSentence(workflowId, outcome.failure)}`);
        return ExitCode.failed;
      case 'result': {
        display?.finish(outcome.final ?? progressFromResult(outcome.result));
        const report = ingestReport(workflowId, inputs, outcome.result);
        if (flags.json) printJson(report);
        else for (const line of ingestSummaryLines(report, Date.now() - startedAt)) printLine(line);
        return report.failed ? ExitCode.failed : ExitCode.ok;
      }
    }
  } finally {
    interrupt.dispose();
  }
}

/** A last progress reading from the result, when the query cannot be answered after the end. */
function progressFromResult(result: IngestionResult): IngestionProgress {
  return {
    workflowId: result.workflowId,
    phase: 'completed',
    vectorStoreId: result.vectorStoreId,
    total: result.total,
    uploaded: result.total - result.failures.filter((failure) => failure.stage === 'read' || failure.stage === 'upload').length,
    processing: 0,
    completed: result.completed,
    failed: result.failed,
    batchesTotal: 0,
    batchesDone: 0,
    startedAt: '',
  };
}

/** `file_counts` in the provider's own (snake_case) spelling. */
export function snakeFileCounts(counts: FileCounts): IngestReport['fileCounts'] {
  return { in_progress: counts.inProgress, completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled, total: counts.total };
}

/**
 * One entry per input, in command-line order: paths that could not be read, then the workflow's
 * outcome of each document (failed when listed in the result's failures, else completed).
 */
export function ingestReport(workflowId: string, inputs: IngestInputPath[], result: IngestionResult): IngestReport {
  const failuresByIndex = new Map<number, DocumentOutcome>();
  const failuresBySource = new Map<string, DocumentOutcome>();
  for (const failure of result.failures) {
    failuresByIndex.set(failure.index, failure);
    failuresBySource.set(failure.source, failure);
  }
  let documentIndex = 0;
  const files = inputs.map((input): IngestedFileReport => {
    if (input.kind === 'unusable') return { path: input.path, status: 'failed', stage: 'read', error: input.error };
    const index = documentIndex++;
    const byIndex = failuresByIndex.get(index);
    const failure = byIndex && byIndex.source === input.path ? byIndex : failuresBySource.get(input.path);
    if (!failure) return { path: input.path, status: 'completed' };
    return { path: input.path, status: 'failed', ...(failure.stage ? { stage: failure.stage } : {}), error: failure.error ?? 'failed' };
  });
  const failed = files.filter((file) => file.status === 'failed').length + result.failuresOmitted;
  const report: IngestReport = {
    workflowId,
    vectorStoreId: result.vectorStoreId,
    fileCounts: snakeFileCounts(result.fileCounts),
    completed: files.length - failed,
    failed,
    files,
  };
  if (result.failuresOmitted > 0) {
    report.failuresOmitted = result.failuresOmitted;
    report.note = `The workflow lists its first ${result.failures.length} failures; ${result.failuresOmitted} more files failed and are shown as completed here. The vector store's files with status failed name them all.`;
  }
  return report;
}

/** How many failures the human summary lists. */
const SUMMARY_FAILURES = 20;

/** The human summary: the vector store, its file_counts, the failures with their errors. */
export function ingestSummaryLines(report: IngestReport, elapsedMs: number): string[] {
  const counts = report.fileCounts;
  const lines = [
    '',
    `${report.failed ? style.yellow('Done with failures') : style.green('Done')}: ${report.completed} of ${report.files.length} file(s) ingested into ${style.bold(report.vectorStoreId)} in ${formatDuration(elapsedMs / 1000)}${report.failed ? `, ${report.failed} failed` : ''}`,
    `  file_counts: completed ${counts.completed} · failed ${counts.failed} · in_progress ${counts.in_progress} · cancelled ${counts.cancelled} · total ${counts.total}`,
  ];
  const failures = report.files.filter((file) => file.status === 'failed');
  if (failures.length) {
    lines.push(style.red('  failed:'));
    for (const file of failures.slice(0, SUMMARY_FAILURES)) lines.push(`    ${file.path}: ${file.stage ? `${file.stage}: ` : ''}${file.error ?? 'failed'}`);
    if (failures.length > SUMMARY_FAILURES) lines.push(style.dim(`    ... and ${failures.length - SUMMARY_FAILURES} more (--json lists every file)`));
    if (report.failuresOmitted) lines.push(style.dim(`    ... and ${report.failuresOmitted} more the workflow did not list (see the vector store's files with status failed)`));
  }
  lines.push(style.dim(`  workflow ${report.workflowId}`));
  return lines;
}
