/**
 * `agentrun replay`: before a new agentrun version (or any change to the workflow code) reaches
 * the workers, replays the histories of the runs it will meet against it and says, run by run,
 * whether they can continue on it.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { HistoryFileError, historyFilePaths, readHistoryFile, type HistoryToReplay } from '../replay/history-files';
import {
  DEFAULT_REPLAY_QUERY,
  historiesFromVisibility,
  installedWorkflows,
  replayHistories,
  visibilityQuery,
  workflowsAt,
  type ReplayOutcome,
  type ReplayWorkflows,
} from '../replay/replay-histories';
import { connectTemporalClient } from '../temporal-connection';
import { CONNECTION_HELP, CommandError, ExitCode, connectOrExplain, connectionOptionSpecs, parseCommandLine, printJson, printLine } from './command-support';
import { style } from './text-format';
import { logLevelOption } from './worker-runtime';

const HELP = `usage: agentrun replay [--query QUERY] [--since DURATION] [--limit N] [--workflows PATH] [options]
       agentrun replay --files FILE_OR_FOLDER... [--workflows PATH] [options]

Replays workflow histories against agentrun's workflow code, without running anything: a run
whose history does not replay would fail its next workflow task on that code (a determinism
error) and stop there. Run it against the version you are about to deploy, before deploying it.
Prints one line per workflow (ok, or why it breaks) and a summary.

Which histories (default: the runs that are still running, which a new version will meet):
  --query QUERY         a visibility query on the namespace
                        (default: ${DEFAULT_REPLAY_QUERY})
  --since DURATION      only workflows started within DURATION before now, e.g. 7d, 12h, 30m
  --limit N             at most N workflows (the newest first; default: all that match)
  --files PATH...       history files instead: JSON as "temporal workflow show --output json"
                        writes (or the Web UI downloads), or as agentrun's tests record them;
                        folders are searched for *.json. The workflow id is the one recorded
                        in the file, else the file name without .json

Which code (default: this agentrun's own workflows, what its worker registers):
  --workflows PATH      a workflows module or folder (.js or .ts: a candidate version, e.g.
                        ./candidate/node_modules/agentrun/dist/workflows) or a prebuilt
                        workflow bundle (dist/workflow-bundle.js)

  --json                print only the outcome, as one JSON object:
                        {workflows, source, results: [{workflowId, runId, file?, events, ok,
                        reason?, durationMs}], summary: {replayed, ok, broken}}
  --log-level LEVEL     show the replay worker's own logs on stderr: error, warn, info, debug
${CONNECTION_HELP}
  -h, --help            this text

Exit codes: 0 every history replays (also when none match); 1 at least one would break, or
Temporal could not be reached; 2 bad options, a query the server rejects, or a file that is not a
history.

Examples:
  agentrun replay
  agentrun replay --workflows ./candidate/node_modules/agentrun/dist/workflows
  agentrun replay --query "WorkflowType = 'agentRunWorkflow'" --since 7d --json
  temporal workflow show -w agent-run-123 --output json > agent-run-123.json
  agentrun replay --files agent-run-123.json
`;

/** `agentrun replay`. */
export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('replay', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        query: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        files: { type: 'boolean', default: false },
        workflows: { type: 'string' },
        json: { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        ...connectionOptionSpecs,
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const usage = (message: string) => new CommandError(`${message}. See "agentrun replay --help".`, ExitCode.usage);
  if (positionals.length && !values.files) throw usage(`unexpected argument "${positionals[0]}": history files go after --files`);
  if (values.files && !positionals.length) throw usage('--files needs at least one file or folder');
  if (values.files && (values.query !== undefined || values.since !== undefined)) throw usage('give --files or --query/--since, not both');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw usage(`--limit must be a whole number above 0, got "${values.limit}"`);
  const logLevel = values['log-level'] === undefined ? undefined : logLevelOption(values['log-level']);
  let query: string | undefined;
  if (!values.files) {
    try {
      query = visibilityQuery({ query: values.query, since: values.since });
    } catch (error) {
      throw usage(`--since: ${(error as Error).message}`);
    }
  }
  let workflows: ReplayWorkflows;
  try {
    workflows = values.workflows === undefined ? installedWorkflows() : workflowsAt(values.workflows);
  } catch (error) {
    throw usage(`--workflows: ${(error as Error).message}`);
  }

  if (values.files) {
    let histories: HistoryToReplay[];
    try {
      // Every file is read before anything replays: a bad one stops the command with its name.
      histories = historyFilePaths(positionals).map(readHistoryFile);
    } catch (error) {
      if (error instanceof HistoryFileError) throw new CommandError(error.message, ExitCode.usage);
      throw error;
    }
    if (limit !== undefined) histories = histories.slice(0, limit);
    installReplayRuntime(logLevel);
    return report(values.json, workflows, { files: positionals, count: histories.length }, replayHistories(histories, { workflows }));
  }

  const client = await connectOrExplain(values, (options) => connectTemporalClient({ address: options.address, namespace: options.namespace }));
  try {
    // Counting first checks the query before the slow part (bundling) and sizes the summary.
    const matched = await countMatches(client, query!);
    const histories = historiesFromVisibility(client, { query: query!, limit });
    installReplayRuntime(logLevel);
    return await report(values.json, workflows, { query: query!, matched, count: Math.min(matched, limit ?? matched) }, replayHistories(histories, { workflows }));
  } finally {
    await client.connection.close();
  }
}

async function countMatches(client: Client, query: string): Promise<number> {
  try {
    return (await client.workflow.count(query || undefined)).count;
  } catch (error) {
    // The service's reason (an unknown search attribute, a syntax error) is in the cause.
    const cause = (error as { cause?: { code?: number; details?: string; message?: string } }).cause;
    const reason = cause?.details ?? cause?.message ?? (error as Error).message;
    // gRPC INVALID_ARGUMENT: the query itself is wrong.
    throw new CommandError(`the query failed: ${reason}`, cause?.code === 3 ? ExitCode.usage : ExitCode.failed);
  }
}

/** Where the histories came from, for the report. */
type ReplaySource = { files: string[]; count: number } | { query: string; matched: number; count: number };

/** Prints each outcome as it arrives (or, with --json, all at the end) and returns the exit code. */
async function report(json: boolean, workflows: ReplayWorkflows, source: ReplaySource, outcomes: AsyncIterable<ReplayOutcome>): Promise<number> {
  const shownPath = path.relative(process.cwd(), workflows.path) || workflows.path;
  if (!json) {
    const what = 'query' in source ? `${source.count} workflow${source.count === 1 ? '' : 's'} matching ${source.query || 'any query'}` : `${source.count} history file${source.count === 1 ? '' : 's'}`;
    printLine(`Replaying ${what} against ${shownPath} (${workflows.kind === 'bundle' ? 'prebuilt bundle' : 'workflows module'})`);
  }
  const results: ReplayOutcome[] = [];
  for await (const outcome of outcomes) {
    results.push(outcome);
    if (!json) printLine(outcomeLine(outcome));
  }
  const broken = results.filter((outcome) => !outcome.ok).length;
  const summary = { replayed: results.length, ok: results.length - broken, broken };
  if (json) {
    printJson({
      workflows: { path: workflows.path, kind: workflows.kind },
      source,
      results: results.map(({ error: _error, ...rest }) => rest),
      summary,
    });
  } else {
    for (const line of summaryLines(summary, source)) printLine(line);
  }
  return broken ? ExitCode.failed : ExitCode.ok;
}

function outcomeLine(outcome: ReplayOutcome): string {
  const label = outcome.file ? `${outcome.file}  (${outcome.workflowId}, ` : `${outcome.workflowId}  (run ${outcome.runId}, `;
  const details = `${label}${outcome.events} events, ${Math.round(outcome.durationMs)} ms)`;
  return outcome.ok ? `${style.green('ok')}      ${details}` : `${style.red('BREAKS')}  ${details}: ${outcome.reason}`;
}

function summaryLines(summary: { replayed: number; ok: number; broken: number }, source: ReplaySource): string[] {
  const lines: string[] = [];
  if (!summary.replayed) lines.push('query' in source ? 'No workflow matches: nothing to check.' : 'No history to check.');
  else if (!summary.broken) lines.push(`${summary.replayed} of ${summary.replayed} replay: this code can take over these runs.`);
  else {
    lines.push(`${summary.broken} of ${summary.replayed} would break: a worker with this code fails their next workflow task, and they stop there until a worker that replays them takes over.`);
    lines.push(
      'Unless these runs are pinned to the build that started them (Worker Versioning) and its workers keep running until the runs end, ' +
        'do not deploy this code: the change needs a patched() branch so that they replay (README, "Upgrades").',
    );
  }
  if ('query' in source && source.matched > source.count) lines.push(`${source.matched - source.count} more match: --limit checked the newest ${source.count}.`);
  return lines;
}

/**
 * The replay worker logs every history that fails (Core's warning, the SDK's error); each one is
 * already a line of the report, so those logs stay off unless --log-level asks for them.
 * Installed only once the histories are in hand: a runtime that never had a worker keeps the
 * process alive.
 */
function installReplayRuntime(level: LogLevel | undefined): void {
  Runtime.install({
    logger: level ? new DefaultLogger(level) : new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: level ?? 'ERROR' }) } },
    shutdownSignals: [],
  });
}
