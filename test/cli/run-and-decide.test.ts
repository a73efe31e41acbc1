/**
 * The client-side commands (`run`, `approve`, `deny`, `output`, `status`, `list`, `cancel`) as
 * child processes of the built CLI, against the suite's Temporal server, an in-process emulator
 * and an in-process worker with the example tools on this file's own task queue.
 */
import type { AgentRunResult, AgentRunState } from '../../src/shared/run-types';
import type { AgentRunListing } from '../../src/client';
import { exampleTools } from '../../src/examples/example-tools';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { parseJsonOutput, requireBuiltCli, runCli, spawnCli, type CliOptions } from './cli-process';

const weatherScript = { steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { answer: 'Oslo looks fine.' }] };
const bookingScript = {
  steps: [
    { tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    { tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00' } }] },
    { answer: 'Booked the Lovelace room.' },
  ],
};
const twoBookingsScript = {
  steps: [
    {
      tools: [
        { name: 'book_meeting_room', arguments: { room: 'Hopper', start: '09:00' } },
        { name: 'book_meeting_room', arguments: { room: 'Turing', start: '10:00' } },
      ],
    },
    { answer: 'Handled both bookings.' },
  ],
};

describe('agentrun run, approve, deny, output, status, list, cancel', () => {
  let harness: Harness;
  let cli: CliOptions;

  beforeAll(async () => {
    requireBuiltCli();
    harness = await startHarness('cli', { tools: exampleTools });
    // `run` warns on stderr while no worker polls its task queue; the tests below expect a quiet stderr.
    await harness.workerPolling();
    cli = {
      env: {
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: temporalNamespace(),
        AGENTRUN_TASK_QUEUE: harness.temporal.taskQueue,
        AGENTRUN_EMULATOR_URL: harness.emulator.url,
        AGENTRUN_EMULATOR_API_KEY: harness.emulator.apiKey,
      },
    };
  });
  afterAll(async () => harness?.close());

  /** Starts a run through the typed client (faster than a CLI start) on this file's task queue. */
  async function startRun(script: object, overrides: object = {}): Promise<string> {
    const assistantId = await harness.assistant(script);
    return (await harness.client.start(harness.input(assistantId, overrides))).workflowId;
  }

  async function waitingCalls(workflowId: string, count: number): Promise<AgentRunState> {
    return eventually(async () => {
      const state = await harness.client.status(workflowId);
      return state.pendingApprovals.length === count ? state : undefined;
    }, 15_000, `${count} waiting call(s)`);
  }

  it('run --json prints exactly one JSON object, the workflow result, and exits 0 when the run completed (new thread; --thread, --stream)', async () => {
    const assistantId = await harness.assistant(weatherScript);
    const result = await runCli(['run', '--assistant', assistantId, '--message', 'Weather in Oslo?', '--json', '--poll-interval', '100ms'], cli);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const printed = parseJsonOutput<AgentRunResult>(result);
    expect(printed).toEqual(await harness.client.result(printed.workflowId));
    expect(printed).toMatchObject({ status: 'completed', rounds: 1, toolCalls: [{ name: 'get_weather', decision: { type: 'automatic' } }] });
    expect(printed.messages[0]!.text).toContain('Oslo looks fine.');
    expect(printed.toolCalls[0]!.output).toContain('agentrun example data');

    // On the same thread, the message goes with the run; --stream waits on the event stream.
    const followUp = await runCli(['run', '--assistant', assistantId, '--thread', printed.threadId, '--message', 'And tomorrow?', '--json', '--stream'], cli);
    expect(followUp.exitCode).toBe(0);
    const second = parseJsonOutput<AgentRunResult>(followUp);
    expect(second).toMatchObject({ status: 'completed', threadId: printed.threadId });
    const messages = await harness.openai.beta.threads.messages.list(printed.threadId, { order: 'asc' });
    expect(messages.data.filter((message) => message.role === 'user').map((message) => (message.content[0] as { text: { value: string } }).text.value)).toEqual(['Weather in Oslo?', 'And tomorrow?']);
  });

  it('run --json exits 1 for a run that failed at the provider, still printing the result', async () => {
    const assistantId = await harness.assistant({ steps: [{ fail: { code: 'server_error', message: 'the model fell over' } }] });
    const result = await runCli(['run', '--assistant', assistantId, '--message', 'Hi', '--json', '--poll-interval', '100ms'], cli);
    expect(result.exitCode).toBe(1);
    expect(parseJsonOutput<AgentRunResult>(result)).toMatchObject({ status: 'failed', lastError: { code: 'server_error', message: 'the model fell over' } });
  });

  it('run exits 1 and names the failure on stderr when the workflow fails, printing nothing on stdout with --json', async () => {
    const assistantId = await harness.assistant(bookingScript);
    const result = await runCli(['run', '--assistant', assistantId, '--message', 'Book it', '--json', '--poll-interval', '100ms', '--deadline', '1s'], cli);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/workflow agent-run-\S+ failed: DeadlineExceeded: The run did not finish before its deadline/);
  });

  it('run rejects bad input before starting anything (exit 2), naming the field', async () => {
    const [missing, badPolicy, invalid] = await Promise.all([
      runCli(['run', '--message', 'Hi'], cli),
      runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--tool-policy', 'get_weather=sometimes'], cli),
      runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--approval-timeout', 'soon'], cli),
    ]);
    expect(missing).toMatchObject({ exitCode: 2, stdout: '' });
    expect(missing.stderr).toContain('the agent is required: --assistant ID, --agent NAME[@VERSION] or --model M');
    expect(badPolicy.exitCode).toBe(2);
    expect(badPolicy.stderr).toContain('--tool-policy "get_weather=sometimes"');
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/approval\.timeout: "soon" is not a duration/);
  });

  it('run shows progress, the command that approves, and the answer; approve finds the one waiting call by itself', async () => {
    const assistantId = await harness.assistant(bookingScript);
    const run = spawnCli(['run', '--assistant', assistantId, '--message', 'Book the Lovelace room', '--poll-interval', '100ms'], cli);
    const [, workflowId, toolCallId] = await run.waitForOutput(/approve: node \S+ approve (\S+) (call_\S+) --approver YOUR_NAME/);

    const approved = await runCli(['approve', workflowId!, '--approver', 'alice', '--reason', 'the room is free'], cli);
    expect(approved.stderr).toBe('');
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout).toContain(`Approved book_meeting_room (${toolCallId}) in ${workflowId} as alice.`);

    const finished = await run.exited;
    expect(finished.stderr).toBe('');
    expect(finished.exitCode).toBe(0);
    const lines = finished.stdout;
    expect(lines).toContain(`Started agent run ${workflowId}`);
    expect(lines).toMatch(/round 1: 1 tool call\(s\): get_weather/);
    expect(lines).toMatch(/tool call answered: get_weather/);
    expect(lines).toMatch(/phase waiting_for_approval \(run requires_action\)/);
    expect(lines).toContain(`approval needed: book_meeting_room {"room":"Lovelace","start":"15:00"} (${toolCallId})`);
    expect(lines).toMatch(new RegExp(`deny: +node \\S+ deny ${workflowId} ${toolCallId} --approver YOUR_NAME --reason WHY`));
    expect(lines).toMatch(/approved: book_meeting_room \(call_\S+\) by alice/);
    expect(lines).toMatch(/Answer:\n {2}Booked the Lovelace room\./);
    expect(lines).toMatch(/book_meeting_room \{"room":"Lovelace","start":"15:00"\} -> \{"booked":true,.*"confirmation":"BK-\d{6}"\} \(approved by alice\)/);
    expect(lines).toMatch(/Status: completed · 2 tool rounds · \d+ tokens/);
    // The progress came in order: the approval was announced before the answer.
    expect(lines.indexOf('approval needed')).toBeLessThan(lines.indexOf('Answer:'));
  });

  it('status --json prints the state; approve and deny pick no call when several wait (exit 2); rejections exit 2 with the reason; --signal sends a signal', async () => {
    const workflowId = await startRun(twoBookingsScript);
    const state = await waitingCalls(workflowId, 2);
    const [first, second] = state.pendingApprovals.map((call) => call.toolCallId) as [string, string];

    const [status, ambiguous, unknown, notAllowed, noReason] = await Promise.all([
      runCli(['status', workflowId, '--json'], cli),
      runCli(['approve', workflowId, '--approver', 'alice'], cli),
      runCli(['approve', workflowId, 'call_nope', '--approver', 'alice'], cli),
      runCli(['approve', workflowId, first, '--approver', 'alice', '--arguments', '["not", "an object"]'], cli),
      runCli(['deny', workflowId, first, '--approver', 'alice'], cli),
    ]);
    expect(status.exitCode).toBe(0);
    expect(parseJsonOutput<AgentRunState>(status)).toMatchObject({
      workflowId,
      phase: 'waiting_for_approval',
      providerStatus: 'requires_action',
      pendingApprovals: [
        { toolCallId: first, name: 'book_meeting_room', waitingFor: 'approval' },
        { toolCallId: second, name: 'book_meeting_room', waitingFor: 'approval' },
      ],
    });
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toContain(`2 tool calls of ${workflowId} wait for approval; name one:`);
    expect(ambiguous.stderr).toContain(first);
    expect(ambiguous.stderr).toContain(second);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(`agentrun approve: the workflow rejected the decision: No tool call call_nope is waiting for a decision in this run. Waiting: ${first}, ${second}.`);
    expect(notAllowed.exitCode).toBe(2);
    expect(notAllowed.stderr).toContain('--arguments must be a JSON object');
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain('--reason is required');

    const human = await runCli(['status', workflowId], cli);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/Phase +waiting_for_approval/);
    expect(human.stdout).toContain('Waiting for a person (2):');
    expect(human.stdout).toMatch(new RegExp(`approve: node \\S+ approve ${workflowId} ${second} --approver YOUR_NAME`));

    const denied = await runCli(['deny', workflowId, first, '--approver', 'alice', '--reason', 'Hopper is being painted'], cli);
    expect(denied).toMatchObject({ exitCode: 0, stderr: '' });
    expect(denied.stdout).toContain(`Denied book_meeting_room (${first}) in ${workflowId} as alice.`);
    const again = await runCli(['deny', workflowId, first, '--approver', 'alice', '--reason', 'twice'], cli);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/the workflow rejected the decision: .*(already decided|No tool call)/);

    const signalled = await runCli(['approve', workflowId, second, '--approver', 'bob', '--signal'], cli);
    expect(signalled).toMatchObject({ exitCode: 0, stderr: '' });
    expect(signalled.stdout).toContain(`Sent the approveToolCall signal for ${second} to ${workflowId}.`);

    const result = await harness.client.result(workflowId);
    expect(result.status).toBe('completed');
    expect(result.toolCalls.find((call) => call.toolCallId === first)).toMatchObject({ isError: true, decision: { type: 'denied', approver: 'alice', reason: 'Hopper is being painted' } });
    expect(result.toolCalls.find((call) => call.toolCallId === second)).toMatchObject({ decision: { type: 'approved', approver: 'bob' } });
  });

  it('list --awaiting-approval --json lists a run that waits for a person', async () => {
    const workflowId = await startRun(bookingScript);
    await waitingCalls(workflowId, 1);
    // Visibility is eventually consistent: ask again until the run shows.
    const listed = await eventually(async () => {
      const result = await runCli(['list', '--awaiting-approval', '--json', '--limit', '1000'], cli);
      expect(result.exitCode).toBe(0);
      return parseJsonOutput<AgentRunListing[]>(result).find((listing) => listing.workflowId === workflowId);
    }, 15_000, 'the run in the listing');
    expect(listed).toMatchObject({ status: 'RUNNING', phase: 'waiting_for_approval', pendingApprovals: 1 });

    const table = await runCli(['list', '--awaiting-approval', '--limit', '1000'], cli);
    expect(table.stdout).toMatch(/^WORKFLOW ID +STATUS +PHASE +APPROVALS +ASSISTANT +THREAD +STARTED/);
    expect(table.stdout).toMatch(new RegExp(`${workflowId} +RUNNING +waiting_for_approval +1 `));
    await harness.client.cancel(workflowId);
  });

  it('output supplies an outside output for a tool run --tool-policy made external', async () => {
    const assistantId = await harness.assistant(weatherScript);
    const started = await runCli(['run', '--assistant', assistantId, '--message', 'Weather?', '--no-follow', '--json', '--tool-policy', 'get_weather=external', '--poll-interval', '100ms'], cli);
    expect(started.exitCode).toBe(0);
    const { workflowId } = parseJsonOutput<{ workflowId: string }>(started);
    await waitingCalls(workflowId, 1);

    const approveInstead = await runCli(['approve', workflowId, '--approver', 'alice'], cli);
    expect(approveInstead.exitCode).toBe(2);
    expect(approveInstead.stderr).toContain('waits for approval');

    const supplied = await runCli(['output', workflowId, '--approver', 'weather-desk', '--output', '{"sky":"clear"}'], cli);
    expect(supplied).toMatchObject({ exitCode: 0, stderr: '' });
    expect(supplied.stdout).toContain('Supplied the output of get_weather');
    const result = await harness.client.result(workflowId);
    expect(result.toolCalls[0]).toMatchObject({ name: 'get_weather', policy: 'external', output: '{"sky":"clear"}', decision: { type: 'output_supplied', approver: 'weather-desk' } });
  });

  it('cancel --wait cancels the run at the provider and reports the closed workflow', async () => {
    const workflowId = await startRun(bookingScript);
    const state = await waitingCalls(workflowId, 1);
    const cancelled = await runCli(['cancel', workflowId, '--wait'], cli);
    expect(cancelled).toMatchObject({ exitCode: 0, stderr: '' });
    expect(cancelled.stdout).toContain(`${workflowId} is cancelled`);
    expect((await harness.client.handle(workflowId).describe()).status.name).toBe('CANCELLED');
    const run = await harness.openai.beta.threads.runs.retrieve(state.runId!, { thread_id: state.threadId! });
    expect(run.status).toBe('cancelled');

    const again = await runCli(['cancel', workflowId, '--json'], cli);
    expect(again.exitCode).toBe(0);
    expect(parseJsonOutput(again)).toEqual({ workflowId, status: 'CANCELLED', alreadyClosed: true });
    const missing = await runCli(['status', 'no-such-workflow'], cli);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('no workflow no-such-workflow');
  });

  it('every command has --help; unknown commands and options exit 2', async () => {
    const names = ['run', 'status', 'approve', 'deny', 'output', 'cancel', 'list', 'worker', 'dev', 'emulator'];
    const helps = await Promise.all(names.map((name) => runCli([name, '--help'], cli)));
    helps.forEach((help, index) => {
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain(`usage: agentrun ${names[index]}`);
    });
    const [overview, unknownCommand, unknownOption] = await Promise.all([runCli(['--help'], cli), runCli(['launch'], cli), runCli(['status', 'wf', '--colour'], cli)]);
    expect(overview.exitCode).toBe(0);
    for (const name of names) expect(overview.stdout).toContain(`  ${name} `);
    expect(unknownCommand.exitCode).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "launch"');
    expect(unknownOption.exitCode).toBe(2);
    expect(unknownOption.stderr).toMatch(/Unknown option '--colour'.*See "agentrun status --help"/);
  });
});
