/**
 * Replay tests: every committed history of every version (test/histories/<version>/, recorded by
 * the scenario tests with `npm run histories:record`) replays cleanly with today's workflow code,
 * and a deliberately changed workflow fails replay with a message that names the file, the version
 * that recorded it and the fix, so this test can fail and says what to do when it does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readHistoryFile } from '../../src/replay/history-files';
import { replayHistories, workflowsAt, type ReplayOutcome, type ReplayWorkflows } from '../../src/replay/replay-histories';
import { HISTORIES_ROOT, compareVersions, historyFiles, recordingFolder, releasedVersions, replayFailureMessage, versionFolders } from '../support/histories';

const released = releasedVersions();
const folders = versionFolders();
const histories = folders.flatMap((version) => historyFiles(version).map((file) => ({ name: `${version}/${file}`, version, file })));

/** The run paths a released version's folder must cover (the scenario tests record them all). */
const REQUIRED_RUN_PATHS = [
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
];

/** Replays one committed history; the outcome, with the developer's message when it fails. */
async function replayCommitted(version: string, file: string, workflows: ReplayWorkflows): Promise<ReplayOutcome & { message?: string }> {
  const outcomes: ReplayOutcome[] = [];
  for await (const outcome of replayHistories([readHistoryFile(path.join(HISTORIES_ROOT, version, file))], { workflows, replayName: `${version}/${file}` })) outcomes.push(outcome);
  expect(outcomes).toHaveLength(1);
  const outcome = outcomes[0]!;
  return outcome.ok ? outcome : { ...outcome, message: replayFailureMessage({ version, file, reason: outcome.reason!, released }) };
}

describe('replay of committed histories, every released version (agent runs on both protocols, ingestion, migration)', () => {
  let today: ReplayWorkflows;
  beforeAll(async () => {
    // One bundle for every replay (bundling is the slow part).
    const workflowsPath = require.resolve('../../src/workflows');
    today = { options: { workflowBundle: await bundleWorkflowCode({ workflowsPath }) }, path: workflowsPath, kind: 'bundle' };
  });

  it('keeps a folder per version, and every released version has its folder', () => {
    expect(released).toContain('0.2.0');
    for (const version of folders) expect(() => compareVersions(version, version)).not.toThrow();
    for (const version of released) expect(folders).toContain(version);
    // Nothing stray at the top: histories live in version folders only.
    expect(fs.readdirSync(HISTORIES_ROOT).filter((entry) => !folders.includes(entry)).sort()).toEqual(['RELEASED']);
  });

  it('records new histories only into the folder of an unreleased version newer than every released one', () => {
    expect(recordingFolder('0.3.0', ['0.2.0'])).toBe(path.join(HISTORIES_ROOT, '0.3.0'));
    expect(recordingFolder('0.3.0-dev', ['0.2.0'])).toBe(path.join(HISTORIES_ROOT, '0.3.0-dev'));
    expect(() => recordingFolder('0.2.0', ['0.2.0'])).toThrow(
      'Refusing to record histories for agentrun 0.2.0: 0.2.0 is released (test/histories/RELEASED), so test/histories/0.2.0/ is frozen. Bump "version" in package.json past 0.2.0',
    );
    expect(() => recordingFolder('0.1.0', ['0.2.0'])).toThrow('Refusing to record histories for agentrun 0.1.0: 0.2.0 is already released. Bump "version" in package.json past 0.2.0');
    expect(() => recordingFolder('0.2.0-rc.1', ['0.1.0', '0.2.0'])).toThrow('0.2.0 is already released');
  });

  it.each(released)('released %s has a history for every run path', (version) => {
    const names = historyFiles(version).map((file) => file.replace(/\.json$/, ''));
    for (const required of REQUIRED_RUN_PATHS) expect(names).toContain(required);
  });

  it.each(histories)('$name replays cleanly', async ({ version, file }) => {
    const outcome = await replayCommitted(version, file, today);
    if (outcome.message) throw new Error(outcome.message);
  });

  it('fails replay when the workflow code changes incompatibly, naming the file, the version that recorded it and the fix', async () => {
    const changed = workflowsAt(path.join(__dirname, '..', 'fixtures', 'workflows', 'changed-agent-run-workflow.ts'));
    for (const file of ['completed-no-tools.json', 'approval-approved.json']) {
      const outcome = await replayCommitted('0.2.0', file, changed);
      expect(outcome.ok).toBe(false);
      expect(outcome.error).toBeInstanceOf(DeterminismViolationError);
      expect(outcome.reason).toMatch(/^DeterminismViolationError: \[TMPRL1100\] Nondeterminism error: .*HistoryEvent\(id: \d+/);
      expect(outcome.reason).not.toContain('\n');
      const lines = outcome.message!.split('\n');
      expect(lines[0]).toBe(`test/histories/0.2.0/${file}, recorded by agentrun 0.2.0, no longer replays with today's workflow code:`);
      expect(lines[1]).toBe(`  ${outcome.reason}`);
      expect(lines[2]).toContain("put the behaviour change behind patched('<id>') (as samples-typescript patching-api does");
      expect(lines[2]).toContain('Never re-record a released history.');
    }
  });
});
