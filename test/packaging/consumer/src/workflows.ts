// A workflow of the service's own, checked as CommonJS: it starts agentRunWorkflow as a typed child.
import { executeChild, workflowInfo } from '@temporalio/workflow';
import { agentRunWorkflow, type AgentRunInput, type AgentRunResult } from 'agentrun/workflow';

export * from 'agentrun/workflows';

export async function parentWorkflow(input: AgentRunInput): Promise<AgentRunResult> {
  return executeChild(agentRunWorkflow, { args: [input], workflowId: `${workflowInfo().workflowId}-child` });
}
