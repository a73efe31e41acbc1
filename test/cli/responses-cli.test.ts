/**
 * The CLI on the Responses API, as child processes of the built CLI: `run` with an inline agent
 * (`--model`, `--instructions`) and with a Foundry-style agent name, on a new and an existing
 * conversation, in webhook mode through `agentrun webhooks`, and `migrate-thread`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentRunResult } from '../../src/shared/run-types';
import { exampleTools } from '../../src/examples/example-tools';
import { startHarness, type Harness } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { parseJsonOutput, requireBuiltCli, runCli, spawnCli, type CliOptions } from './cli-process';

describe('agentrun on the Responses API', () => {
  let harness: Harness;
  let cli: CliOptions;

  beforeAll(async () => {
    requireBuiltCli();
    harness = await startHarness('cli-responses', { protocol: 'responses', tools: exampleTools });
    await harness.workerPolling();
    cli = {
      env: {
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: temporalNamespace(),
        AGENTRUN_TASK_QUEUE: harness.temporal.taskQueue,
        AGENTRUN_PROVIDER: 'emulator-responses',
        AGENTRUN_EMULATOR_URL: harness.emulator.url,
        AGENTRUN_EMULATOR_API_KEY: harness.emulator.apiKey,
      },
    };
  });
  afterAll(async () => {
    await harness?.close();
    for (const file of files) fs.rmSync(file, { force: true });
  });

  const script = (steps: object[]) => ['--input', writeScript(steps)];
  const files: string[] = [];
  /** `--input` with the scripted model in the run's metadata (the emulator reads it from there). */
  function writeScript(steps: object[]): string {
    const file = path.join(os.tmpdir(), `agentrun-cli-responses-${randomBytes(4).toString('hex')}.json`);
    fs.writeFileSync(file, JSON.stringify({ metadata: { emulator_script: JSON.stringify({ steps }) } }));
    files.push(file);
    return file;
  }

  it('run --model --instructions --json: an inline agent with the worker\'s tools, the result with the conversation and response ids', async () => {
    const result = await runCli(
      ['run', '--model', 'gpt-4o-mini', '--instructions', 'You report the weather.', '--message', 'Weather in Oslo?', '--json', '--poll-interval', '100ms', ...script([{ tools: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { answer: 'Oslo looks fine.' }])],
      cli,
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const printed = parseJsonOutput<AgentRunResult>(result);
    expect(printed).toMatchObject({ status: 'completed', rounds: 1, toolCalls: [{ name: 'get_weather' }] });
    expect(printed.threadId).toMatch(/^conv_/);
    expect(printed.runIds.every((id) => id.startsWith('resp_'))).toBe(true);
    const first = await harness.openai.responses.retrieve(printed.runIds[0]!);
    expect(first).toMatchObject({ model: 'gpt-4o-mini', instructions: 'You report the weather.' });

    // The same conversation, continued.
    const next = await runCli(['run', '--model', 'gpt-4o-mini', '--conversation', printed.threadId, '--message', 'And tomorrow?', '--json', '--poll-interval', '100ms', ...script([{ answer: 'Tomorrow too.' }])], cli);
    expect(next.exitCode).toBe(0);
    expect(parseJsonOutput<AgentRunResult>(next)).toMatchObject({ status: 'completed', threadId: printed.threadId });
  });

  it('run follows an approval in its live output and names the agent', async () => {
    const follower = spawnCli(['run', '--model', 'gpt-4o', '--message', 'Book it', '--poll-interval', '100ms', ...script([{ tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00' } }] }, { answer: 'Booked.' }])], cli);
    await follower.waitForOutput(/agent model:gpt-4o on a new conversation/);
    const [, workflowId, toolCallId] = (await follower.waitForOutput(/approve: .* approve (\S+) (\S+) --approver/))!;
    const approved = await runCli(['approve', workflowId!, toolCallId!, '--approver', 'alice'], cli);
    expect(approved.exitCode).toBe(0);
    expect((await follower.exited).exitCode).toBe(0);
  });

  it('run --agent NAME: a Foundry agent on a worker that is not configured for Foundry is refused, naming the fix', async () => {
    const result = await runCli(['run', '--agent', 'support@2', '--message', 'Hi', '--poll-interval', '100ms'], cli);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/failed: ProviderProtocolMismatch: Agent "support" is a Foundry agent: run it on a worker configured for Foundry agents v2 \(AGENTRUN_PROVIDER=azure-foundry-agents\)/);
    const bad = await runCli(['run', '--agent', 'support@', '--message', 'Hi'], cli);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--agent "support@": write NAME or NAME@VERSION');
  });

  it('agentrun webhooks wakes a run waiting in webhook mode', async () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const receiver = spawnCli(['webhooks', '--port', '0'], { ...cli, env: { ...cli.env, OPENAI_WEBHOOK_SECRET: secret }, timeoutMs: 60_000 });
    try {
      const [, url] = (await receiver.waitForOutput(/agentrun webhooks: (\S+)/))!;
      harness.emulator.setWebhooks({ url: url!, secret });
      const result = await runCli(['run', '--model', 'gpt-4o', '--message', 'Hi', '--webhook', '--json', ...script([{ answer: 'woken by a webhook', delay_ms: 200 }])], cli);
      expect(result.exitCode).toBe(0);
      const printed = parseJsonOutput<AgentRunResult>(result);
      expect(printed.status).toBe('completed');
      const state = await harness.client.status(printed.workflowId);
      expect(state.timeline.map((entry) => entry.event)).toContain('webhook response.completed');
      expect(receiver.output().stderr).toContain(`-> ${printed.workflowId}`);
    } finally {
      harness.emulator.setWebhooks(undefined);
      receiver.child.kill('SIGTERM');
      expect((await receiver.exited).exitCode).toBe(0);
    }
  });

  it('migrate-thread copies a classic thread and prints the conversation to continue', async () => {
    const thread = await harness.openai.beta.threads.create({ messages: [{ role: 'user', content: 'Old question' }, { role: 'assistant', content: 'Old answer' }] });
    const result = await runCli(['migrate-thread', thread.id, '--json'], cli);
    expect(result.exitCode).toBe(0);
    const printed = parseJsonOutput<{ conversationId: string; copied: number }>(result);
    expect(printed.copied).toBe(2);
    const human = await runCli(['migrate-thread', thread.id], cli);
    expect(human.stdout).toContain(`Thread ${thread.id} is now conversation ${printed.conversationId} (2 message(s) copied)`);
    expect(human.stdout).toContain(`--conversation ${printed.conversationId}`);
  });
});
