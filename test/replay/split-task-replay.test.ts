/**
 * A run replays when its input check's result came in the task after the one that recorded it.
 *
 * Core may record a local activity's marker among one workflow task's commands and deliver its
 * result in the next task (seen under load). On replay the result comes in the first task, so
 * whatever the workflow asks right after the check is asked one task early. A `patched()` asked
 * there read as absent and the replay broke ("patch marker encountered for change
 * agentrun-watched-waits, but there is no corresponding change command"): queries on finished
 * runs and upgrades failed. This test records a real run, then rewrites its history into that
 * shape (a task boundary right after the check's marker) and replays both.
 */
import * as path from 'node:path';
import { parseHistoryJson } from '../../src/replay/history-files';
import { replayHistories, workflowsAt, type ReplayOutcome, type ReplayWorkflows } from '../../src/replay/replay-histories';
import { startHarness, type Harness } from '../support/agentrun-harness';

type EventJson = Record<string, unknown> & { eventId: string; eventType: string };

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** Shifts every event id at or after `from` by `by`, in the events and in any `...EventId` field that points at one. */
function shiftEventIds(value: unknown, from: number, by: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shiftEventIds(item, from, by));
  if (typeof value !== 'object' || value === null) return value;
  const shifted: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const isEventId = (key === 'eventId' || key.endsWith('EventId')) && (typeof field === 'string' || typeof field === 'number');
    shifted[key] = isEventId && Number(field) >= from ? String(Number(field) + by) : shiftEventIds(field, from, by);
  }
  return shifted;
}

/**
 * The history with a task boundary (scheduled, started, completed) right after the first local
 * activity marker, as core writes it when the marker is recorded in one task and its result is
 * delivered in the next.
 */
function splitAfterFirstLocalActivity(events: EventJson[]): EventJson[] {
  const at = events.findIndex((event) => (event.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === LOCAL_ACTIVITY_MARKER);
  if (at < 0) throw new Error('the run has no local activity marker: the input check did not run as a local activity');
  const [scheduled, started, completed] = ['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED'].map(
    (type) => events.find((event) => event.eventType === type)!,
  );
  const markerId = Number(events[at]!.eventId);
  const later = shiftEventIds(events.slice(at + 1), markerId + 1, 3) as EventJson[];
  const id = (offset: number) => String(markerId + offset);
  const boundary = [
    { ...scheduled!, eventId: id(1) },
    { ...started!, eventId: id(2), workflowTaskStartedEventAttributes: { ...(started!.workflowTaskStartedEventAttributes as object), scheduledEventId: id(1) } },
    { ...completed!, eventId: id(3), workflowTaskCompletedEventAttributes: { ...(completed!.workflowTaskCompletedEventAttributes as object), scheduledEventId: id(1), startedEventId: id(2) } },
  ] as EventJson[];
  return [...events.slice(0, at + 1), ...boundary, ...later];
}

describe('replay of a run whose input check result came one task late', () => {
  let harness: Harness;
  let workflows: ReplayWorkflows;

  beforeAll(async () => {
    harness = await startHarness('split-task');
    // The bundle `npm run build` made from these sources (bundling again would cost seconds of CPU).
    workflows = workflowsAt(path.join(__dirname, '..', '..', 'dist', 'workflow-bundle.js'));
  }, 60_000);
  afterAll(async () => harness?.close());

  it('replays the recorded history and the split one', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'done' }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    expect((await handle.result()).status).toBe('completed');
    const recorded = (await handle.fetchHistory()) as unknown as { toJSON(): { events: EventJson[] } };
    const events = recorded.toJSON().events;
    const split = splitAfterFirstLocalActivity(events);
    expect(split).toHaveLength(events.length + 3);
    expect(split.map((event) => Number(event.eventId))).toEqual(split.map((_, index) => index + 1));

    const outcomes: ReplayOutcome[] = [];
    const histories = [events, split].map((list) => ({ workflowId, history: parseHistoryJson({ events: list }, workflowId).history }));
    for await (const outcome of replayHistories(histories, { workflows, replayName: 'split-task' })) outcomes.push(outcome);
    expect(outcomes.map((outcome) => ({ events: outcome.events, ok: outcome.ok, reason: outcome.reason }))).toEqual([
      { events: events.length, ok: true, reason: undefined },
      { events: events.length + 3, ok: true, reason: undefined },
    ]);
  }, 60_000);
});
