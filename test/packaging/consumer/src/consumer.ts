// A backend service's TypeScript, checked as CommonJS: every entry point, typed as a user writes it.
import { AgentRunClient, defineTool, FailureType, type AgentRunInput, type AgentRunResult } from 'agentrun';
import { AgentrunPlugin, createAgentrunWorker } from 'agentrun/worker';
import { agentRunWorkflow, approveToolCallSignal, runStateQuery } from 'agentrun/workflow';
import { startEmulator } from 'agentrun/testing';
import { z } from 'zod';

export const shout = defineTool({
  name: 'shout',
  parameters: z.object({ text: z.string() }),
  // The handler's argument is typed from the schema.
  handler: ({ text }) => text.toUpperCase(),
});

export async function runOnce(client: AgentRunClient, input: AgentRunInput): Promise<AgentRunResult['status']> {
  return (await client.run(input)).status;
}

export const plugin = (): AgentrunPlugin => new AgentrunPlugin({ tools: [shout] });
export const names: string[] = [agentRunWorkflow.name, approveToolCallSignal.name, runStateQuery.name, FailureType.ThreadBusy];
export { createAgentrunWorker, startEmulator };
