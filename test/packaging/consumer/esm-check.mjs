// The entry points imported by name from an ES module at run time (Node reads the CommonJS exports).
import { AgentRunClient, defineTool } from 'agentrun';
import { AgentrunPlugin } from 'agentrun/worker';
import { agentRunWorkflow, approveToolCallSignal } from 'agentrun/workflow';
import { startEmulator } from 'agentrun/testing';

process.stdout.write(`${JSON.stringify({ AgentRunClient: typeof AgentRunClient, defineTool: typeof defineTool, AgentrunPlugin: typeof AgentrunPlugin, agentRunWorkflow: typeof agentRunWorkflow, signal: approveToolCallSignal.name, startEmulator: typeof startEmulator })}\n`);
