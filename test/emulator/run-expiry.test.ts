/**
 * Expiry: an active run past `expires_at` becomes `expired` on its own timer (nobody polling), a late
 * submit gets the service's 400, and the thread is free for a new run that follows its own script.
 * Runs live 2 s here. The 1 s bound is the emulator's contract (expiry driven by timers, not polls),
 * not a performance measurement.
 */
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, parseSse, waitForRunStatus, type SseEvent } from '../support/emulator-http';

const EXPIRY_SECONDS = 2;
let emulator: RunningEmulator;
let assistantId: string;

beforeAll(async () => {
  emulator = await startEmulator({ runExpirySeconds: EXPIRY_SECONDS, stepDelayMs: 10, queuedDelayMs: 5 });
  const assistant = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
  assistantId = assistant.body.id;
});

afterAll(async () => {
  await emulator.close();
});

function script(value: unknown): Record<string, string> {
  return { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify(value) };
}

async function newThread(): Promise<string> {
  return (await call(emulator, 'POST', '/threads', { body: { messages: [{ role: 'user', content: 'hello' }] } })).body.id;
}

test('a run expires on its own timer, with nobody polling: not before expires_at, and before the model would have answered', async () => {
  const threadId = await newThread();
  const started = Date.now();
  // The stream stays open while the model "thinks" for 10 s: only the expiry timer can end it.
  const response = await call(emulator, 'POST', `/threads/${threadId}/runs`, {
    body: { assistant_id: assistantId, stream: true, metadata: script({ steps: [{ answer: 'too late', delay_ms: 10_000 }] }) },
  });
  const elapsed = Date.now() - started;
  const events: SseEvent[] = parseSse(response.text);
  expect(events.map((event) => event.event)).toEqual([
    'thread.run.created',
    'thread.run.queued',
    'thread.run.in_progress',
    'thread.run.expired',
    'done',
  ]);
  const expired = events[3]?.data as { status: string; expires_at: number; created_at: number };
  expect(expired.status).toBe('expired');
  expect(expired.expires_at).toBe(expired.created_at + EXPIRY_SECONDS);
  // Behaviour, not speed: never early, and ended by the expiry timer rather than the 10 s answer.
  expect(elapsed).toBeGreaterThanOrEqual(EXPIRY_SECONDS * 1000 - 50);
  expect(elapsed).toBeLessThan(10_000);
});

test('requires_action until expiry; a late submit is refused; a new run continues the conversation', async () => {
  const threadId = await newThread();
  const created = await call(emulator, 'POST', `/threads/${threadId}/runs`, {
    body: { assistant_id: assistantId, metadata: script({ steps: [{ tools: [{ name: 'approve', arguments: { amount: 5 } }] }] }) },
  });
  const runId = created.body.id as string;
  const waiting = await waitForRunStatus(emulator, threadId, runId, ['requires_action']);
  const callId = waiting.required_action.submit_tool_outputs.tool_calls[0].id as string;

  // Nobody answers: wait past the deadline without polling.
  await new Promise((resolve) => setTimeout(resolve, EXPIRY_SECONDS * 1000 + 300));

  const late = await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/submit_tool_outputs`, {
    body: { tool_outputs: [{ tool_call_id: callId, output: 'approved' }] },
  });
  expect(late.status).toBe(400);
  expect(late.body).toEqual({
    error: { message: 'Runs in status "expired" do not accept tool outputs.', type: 'invalid_request_error', param: null, code: null },
  });
  const run = (await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}`)).body;
  expect(run).toMatchObject({ status: 'expired', required_action: null, expires_at: created.body.expires_at });
  const steps = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}/steps`);
  expect(steps.body.data[0]).toMatchObject({ type: 'tool_calls', status: 'expired', expired_at: expect.any(Number) });
  expect(emulator.stats().toolOutputsSubmitted.filter((entry) => entry.run_id === runId)).toEqual([]);

  // The thread is free: a message and a new run with its own script are accepted.
  const message = await call(emulator, 'POST', `/threads/${threadId}/messages`, { body: { role: 'user', content: 'Still there?' } });
  expect(message.status).toBe(200);
  const next = await call(emulator, 'POST', `/threads/${threadId}/runs`, {
    body: { assistant_id: assistantId, metadata: script({ steps: [{ answer: 'Yes, starting over.' }] }) },
  });
  const finished = await waitForRunStatus(emulator, threadId, next.body.id, ['completed', 'failed', 'expired']);
  expect(finished.status).toBe('completed');
  const messages = await call(emulator, 'GET', `/threads/${threadId}/messages?limit=1`);
  expect(messages.body.data[0].content[0].text.value).toBe('Yes, starting over.');
});
