/**
 * Committed workflow histories for replay tests. Scenario tests call {@link recordHistory}; with
 * `AGENTRUN_RECORD_HISTORIES=1` it writes the history to test/histories/<name>.json when no history
 * of that name exists yet, otherwise it does nothing.
 *
 * A committed history is frozen: it stands for runs that users' workers recorded and that must
 * replay on every later version, so it is never re-recorded. A workflow change that breaks one
 * goes behind `patched()`; a new path gets a history under a new name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';

export const HISTORIES_DIRECTORY = path.join(__dirname, '..', 'histories');

/** Saves the history of the handle's execution under `name` (after continue-as-new, pass the first run's handle). */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.AGENTRUN_RECORD_HISTORIES !== '1') return;
  const file = path.join(HISTORIES_DIRECTORY, `${name}.json`);
  if (fs.existsSync(file)) return; // frozen
  fs.mkdirSync(HISTORIES_DIRECTORY, { recursive: true });
  const history = await handle.fetchHistory();
  // protobufjs' JSON form (enum names, base64 payloads), plus the workflow id: a workflow that
  // derives ids from its own (child workflow ids) replays only under its real id.
  fs.writeFileSync(file, JSON.stringify({ workflowId: handle.workflowId, ...(history as unknown as { toJSON(): object }).toJSON() }));
}
