/**
 * Replay tests: every committed history (one per run path, recorded by the scenario tests with
 * `npm run histories:record`) replays cleanly with today's workflow code, and a deliberately
 * changed workflow fails replay, so this test can fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORIES_DIRECTORY } from '../support/histories';

const files = fs.existsSync(HISTORIES_DIRECTORY) ? fs.readdirSync(HISTORIES_DIRECTORY).filter((file) => file.endsWith('.json')).sort() : [];

/**
 * Reads a history saved by test/support/histories.ts. `History.fromObject` of the SDK's own proto
 * package, not `historyFromJSON`: npm installs two copies of protobufjs 8 under
 * @temporalio/common and @temporalio/proto, and the latter's types fail the former's checks.
 */
function load(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIRECTORY, file), 'utf8')));
}

/** The workflow id a history was recorded under (`fake` for histories saved without one). */
function workflowIdOf(file: string): string {
  return (JSON.parse(fs.readFileSync(path.join(HISTORIES_DIRECTORY, file), 'utf8')) as { workflowId?: string }).workflowId ?? 'fake';
}

describe('replay of committed histories (agent runs on both protocols, ingestion, migration)', () => {
  let bundle: WorkflowBundle;
  beforeAll(async () => {
    // One bundle for every replay (bundling is the slow part).
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows') });
  });

  it('has a history for every run path', () => {
    const names = files.map((file) => file.replace(/\.json$/, ''));
    for (const required of [
      'completed-no-tools',
      'one-tool-round',
      'parallel-calls-several-rounds',
      'approval-approved',
      'approval-edited',
      'approval-denied',
      'approval-timeout-deny',
      'approval-timeout-cancel',
      'approval-timeout-fail',
      'outside-output',
      'invalid-arguments-thrown-error-unknown-tool',
      'busy-thread-wait',
      'busy-thread-cancel',
      'busy-thread-fail',
      'expired-then-continued',
      'expired-then-failed',
      'cancelled',
      'failed-run',
      'incomplete-run',
      'continue-as-new',
      'streamed',
      'deadline',
      'round-limit',
      'invalid-input',
      'fault-rate_limit',
      'fault-server_error',
      'fault-unavailable',
      'fault-reset',
      'fault-slow',
      'fault-commit_then_drop',
      'fault-quota',
      'ingestion-upload-file',
      'ingestion-create-vector-store',
      'ingestion-attach-file',
      'ingestion-file-batch',
      'ingestion-file-batch-cancelled',
      'ingestion-documents',
      'ingestion-cancelled',
      'ingestion-batch-with-retry',
      'ingestion-fault-commit_then_drop',
      // Recorded after the patches of the failure work (cleanup on failure, edits checked, thread by activity).
      'failed-then-cleaned-up',
      'approval-edit-rejected-then-approved',
      'provider-unreachable-retrying-then-cancelled',
      'tool-outcome-unknown',
      'unknown-assistant',
      // The Responses API behind the same workflow.
      'responses-one-tool-round',
      'responses-parallel-calls-several-rounds',
      'responses-invalid-arguments-thrown-error-unknown-tool',
      'responses-failed',
      'responses-chain',
      'responses-streamed',
      'responses-approval-edited',
      'responses-approval-denied',
      'responses-mcp-approved',
      'responses-foundry-expired-then-continued',
      'responses-busy-conversation-wait',
      'responses-busy-conversation-fail',
      'responses-cancelled',
      'responses-deadline',
      'responses-round-limit',
      'responses-continue-as-new',
      'responses-fault-commit_then_drop',
      'responses-fault-quota',
      'responses-webhook',
      'migrate-thread',
    ]) {
      expect(names).toContain(required);
    }
  });

  it.each(files)('%s replays cleanly', async (file) => {
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: file }, [{ workflowId: workflowIdOf(file), history: load(file) }])) {
      if (result.error) throw result.error;
    }
  });

  it('fails replay when the workflow code changes incompatibly', async () => {
    const histories = ['completed-no-tools.json', 'approval-approved.json'].map((file) => ({ workflowId: file, history: load(file) }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('../fixtures/workflows/changed-agent-run-workflow') }, histories)) {
      results.push(result);
    }
    expect(results).toHaveLength(2);
    for (const result of results) expect(result.error).toBeInstanceOf(DeterminismViolationError);
  });
});
