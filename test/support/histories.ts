/**
 * Committed workflow histories for replay tests. Scenario tests call {@link recordHistory}; with
 * `AGENTRUN_RECORD_HISTORIES=1` it writes the history to test/histories/<name>.json (run
 * `npm run histories:record` after a deliberate workflow change), otherwise it does nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';

export const HISTORIES_DIRECTORY = path.join(__dirname, '..', 'histories');

/** Saves the history of the handle's execution under `name` (after continue-as-new, pass the first run's handle). */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.AGENTRUN_RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORIES_DIRECTORY, { recursive: true });
  const history = await handle.fetchHistory();
  // protobufjs' JSON form (enum names, base64 payloads), plus the workflow id: a workflow that
  // derives ids from its own (child workflow ids) replays only under its real id.
  fs.writeFileSync(path.join(HISTORIES_DIRECTORY, `${name}.json`), JSON.stringify({ workflowId: handle.workflowId, ...(history as unknown as { toJSON(): object }).toJSON() }));
}
