// The same service as an ES module.
import { AgentRunClient, defineTool, type AgentRunInput } from 'agentrun';
import { AgentrunPlugin } from 'agentrun/worker';
import { agentRunWorkflow } from 'agentrun/workflow';
import { z } from 'zod';

const shout = defineTool({ name: 'shout', parameters: z.object({ text: z.string() }), handler: ({ text }) => text.toUpperCase() });

export async function runOnce(client: AgentRunClient, input: AgentRunInput): Promise<string> {
  return (await client.run(input)).status;
}
export const plugin = (): AgentrunPlugin => new AgentrunPlugin({ tools: [shout] });
export const child = agentRunWorkflow.name;
