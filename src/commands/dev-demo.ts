/**
 * The demo `agentrun dev --demo` (and `npm start`) runs: one agent run end to end with a tool the
 * worker runs on its own and a tool a person approves, followed live the way `agentrun run`
 * follows a run. On the Responses API (the default) the agent is inline (model, instructions, the
 * worker's tools); on threads/runs it is an example assistant.
 *
 * Offline with the emulator (the model's choices are fixed in an `emulator_script`: the run's
 * metadata, or the assistant's); with a real provider the model decides.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentRunClient } from '../client';
import { EMULATOR_SCRIPT_METADATA_KEY, type EmulatorScript } from '../emulator';
import { exampleTools } from '../examples/example-tools';
import { createOpenAIClient, type ProviderConfig } from '../providers';
import type { ToolDefinition } from '../shared/agent-types';
import { protocolOf } from '../providers/provider-config';
import type { AgentRunInput } from '../shared/run-input';
import { toolDefinitions } from '../tools/define-tool';
import { ExitCode, failureSentence, printError, printLine, suggestedCommand, type ConnectionFlags } from './command-support';
import { RunProgressPrinter, followRun } from './run-progress';
import { runReportLines } from './run-report';
import { shellQuote, style } from './text-format';

/** The approver the demo decides as. */
export const DEMO_APPROVER = 'demo-operator';
/** What the demo's user asks. */
export const DEMO_MESSAGE = "What's the weather in Paris? Then book the Lovelace room at 15:00 for 30 minutes for the offsite planning.";
/** The model the demo assistant uses on a real provider (an Azure deployment name there), unless AGENTRUN_DEMO_MODEL says otherwise. */
export const DEFAULT_DEMO_MODEL = 'gpt-4o-mini';

const DEMO_INSTRUCTIONS =
  'You plan the user\'s day. First call get_weather for the city the user names. Then call book_meeting_room with the room, ' +
  'start time and length the user asks for. Finally answer in two short sentences: the weather, and the booking with its confirmation number.';

/** The emulator's "model" for the demo: the weather, then the booking (which waits for a person), then the answer. */
export const DEMO_SCRIPT: EmulatorScript = {
  steps: [
    { tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    { tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00', minutes: 30 } }] },
    { answer: 'I checked the weather in Paris and booked the Lovelace room at 15:00 for 30 minutes, once a person approved it. The tool results:' },
  ],
};

/** How long the demo's operator "reads" an approval request before approving it. */
const APPROVAL_PAUSE_MS = 1_000;

/** An assistant the demo created, and how to remove it again. */
export interface ExampleAssistant {
  assistantId: string;
  model: string;
  /** Deletes it at a real provider (the emulator forgets it anyway). */
  remove(): Promise<void>;
}

/**
 * Creates the example assistant at the provider: the example tools' definitions, instructions
 * that lead a real model through both tools, and on the emulator the script that plays the model.
 */
export async function createExampleAssistant(config: ProviderConfig): Promise<ExampleAssistant> {
  const openai = createOpenAIClient(config);
  const emulated = config.kind === 'emulator';
  const model = emulated ? DEFAULT_DEMO_MODEL : process.env.AGENTRUN_DEMO_MODEL?.trim() || DEFAULT_DEMO_MODEL;
  const created = await openai.beta.assistants.create({
    model,
    name: 'agentrun demo',
    instructions: DEMO_INSTRUCTIONS,
    // Creating an assistant is outside the provider interface (agentrun runs assistants, it does
    // not manage them), so the demo speaks the protocol's function-tool shape here, at the edge.
    tools: toolDefinitions(exampleTools).map(functionTool),
    metadata: emulated ? { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify(DEMO_SCRIPT) } : undefined,
  });
  return {
    assistantId: created.id,
    model,
    remove: async () => {
      if (!emulated) await openai.beta.assistants.delete(created.id);
    },
  };
}

function functionTool(definition: ToolDefinition) {
  if (definition.type !== 'function') throw new Error(`the demo defines function tools only, got ${definition.type}`);
  return { type: 'function' as const, function: { name: definition.name, description: definition.description, parameters: definition.parameters } };
}

/** The demo's agent: an assistant (threads/runs), or inline (Responses) with its run metadata. */
export type DemoAgent = { assistantId: string } | { agent: { model: string; instructions: string }; metadata?: Record<string, string> };

/** The inline demo agent on a Responses provider: the script plays the model on the emulator. */
export function demoAgent(config: ProviderConfig): DemoAgent {
  const emulated = config.kind === 'emulator-responses';
  const model = emulated ? DEFAULT_DEMO_MODEL : process.env.AGENTRUN_DEMO_MODEL?.trim() || DEFAULT_DEMO_MODEL;
  return { agent: { model, instructions: DEMO_INSTRUCTIONS }, ...(emulated ? { metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify(DEMO_SCRIPT) } } : {}) };
}

/**
 * Writes an `--input` file with the inline demo agent's instructions (and, on the emulator, its
 * script), so the command the banner prints runs the same example when pasted. Returns its path.
 */
export function writeDemoInput(directory: string, config: ProviderConfig): string | undefined {
  if (protocolOf(config.kind) !== 'responses') return undefined;
  const { agent, metadata } = demoAgent(config) as Extract<DemoAgent, { agent: unknown }>;
  const file = path.join(directory, 'demo-input.json');
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ agent, ...(metadata ? { metadata } : {}) }, null, 2)}\n`);
  return file;
}

/** Where the demo runs. */
export interface DemoContext {
  client: AgentRunClient;
  agent: DemoAgent;
  /** Web UI origin, for the workflow's link. */
  uiUrl: string | undefined;
  namespace: string;
  /** Connection flags to repeat in suggested commands. */
  flags: ConnectionFlags;
  /** Aborting stops following (Ctrl-C). */
  signal: AbortSignal;
}

/** The Web UI page of one workflow. */
export function workflowUiUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Runs the demo agent run to its end, approving the booking as a person would. Returns the exit code. */
export async function runDemo(context: DemoContext): Promise<number> {
  const { client, flags } = context;
  const input: AgentRunInput = {
    ...context.agent,
    thread: { messages: [{ role: 'user', content: DEMO_MESSAGE }] },
    // Short polls keep the demo lively; the provider's own openai-poll-after-ms still wins.
    wait: { mode: 'poll', pollInterval: '250ms' },
    approval: { timeout: '10 minutes' },
  };
  printLine('');
  printLine(style.bold('Demo: one agent run, durable on Temporal'));
  printLine(`  user: ${DEMO_MESSAGE}`);
  const { workflowId } = await client.start(input);
  const uiLink = context.uiUrl ? workflowUiUrl(context.uiUrl, context.namespace, workflowId) : undefined;
  printLine(`Started agent run ${style.bold(workflowId)}`);
  if (uiLink) printLine(style.dim(`  watch it in the Web UI: ${uiLink}`));

  const outcome = await followRun(client, workflowId, {
    printer: new RunProgressPrinter(workflowId, flags),
    signal: context.signal,
    onDecisionNeeded: async (call) => {
      if (call.waitingFor !== 'approval') return; // the example tools need approvals only
      printLine(`              ${DEMO_APPROVER} reviews it and approves, as a person would type:`);
      printLine(`              ${style.bold(suggestedCommand(['approve', shellQuote(workflowId), shellQuote(call.toolCallId), '--approver', DEMO_APPROVER], flags))}`);
      await new Promise((resolve) => setTimeout(resolve, APPROVAL_PAUSE_MS));
      await client.approve(workflowId, { toolCallId: call.toolCallId, approver: DEMO_APPROVER, reason: 'approved in the agentrun demo' });
    },
  });
  switch (outcome.kind) {
    case 'stopped':
      printError(`Stopped the demo; ${workflowId} was left as it was.`);
      return ExitCode.interrupted;
    case 'failure':
      printError(`agentrun dev --demo: ${failureSentence(workflowId, outcome.failure)}`);
      if (uiLink) printError(`  Web UI: ${uiLink}`);
      return ExitCode.failed;
    case 'result':
      for (const line of runReportLines(outcome.result)) printLine(line);
      if (uiLink) printLine(`${style.bold('Web UI:')} ${uiLink}`);
      return outcome.result.status === 'completed' ? ExitCode.ok : ExitCode.failed;
  }
}
