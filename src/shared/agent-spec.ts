/**
 * What a validated run input names, in one form each: its agent and its conversation. Apart from
 * the input schema (run-input.ts) because workflows use these at load and the schema only when
 * they validate (see lazy-schemas.ts).
 */
import type { ValidatedAgentRunInput } from './run-input';

/** The agent of a validated input, in its one form. */
export type AgentSpec =
  | { kind: 'assistant'; assistantId: string }
  | { kind: 'foundry-agent'; name: string; version?: string }
  | { kind: 'inline'; model: string; instructions?: string; tools?: ValidatedAgentRunInput['tools'] };

/** The input's agent, whichever way it was given. */
export function agentOf(input: ValidatedAgentRunInput): AgentSpec {
  const agent = input.agent;
  if (input.assistantId !== undefined || agent?.assistantId !== undefined) return { kind: 'assistant', assistantId: (input.assistantId ?? agent?.assistantId)! };
  if (agent?.name !== undefined) return { kind: 'foundry-agent', name: agent.name, ...(agent.version !== undefined ? { version: agent.version } : {}) };
  return { kind: 'inline', model: agent?.model ?? '', ...(agent?.instructions !== undefined ? { instructions: agent.instructions } : {}), ...(agent?.tools !== undefined ? { tools: agent.tools } : {}) };
}

/** A short name of the agent for ids, search attributes and people: `asst_...`, `name@version`, `model:gpt-4o`. */
export function agentLabel(agent: AgentSpec): string {
  switch (agent.kind) {
    case 'assistant':
      return agent.assistantId;
    case 'foundry-agent':
      return agent.version ? `${agent.name}@${agent.version}` : agent.name;
    case 'inline':
      return `model:${agent.model}`;
  }
}

/** Where a validated input's turn runs. */
export type ConversationSpec =
  | { kind: 'new' }
  /** An existing thread or conversation (the two are the same for the workflow: an id the provider knows). */
  | { kind: 'existing'; id: string }
  /** A Responses chain without a conversation, continuing after this response. */
  | { kind: 'chain'; previousResponseId: string };

/** The input's conversation, whichever way it was given. */
export function conversationOf(input: ValidatedAgentRunInput): ConversationSpec {
  const existing = input.threadId ?? input.conversation?.threadId ?? input.conversation?.conversationId;
  if (existing !== undefined) return { kind: 'existing', id: existing };
  if (input.conversation?.previousResponseId !== undefined) return { kind: 'chain', previousResponseId: input.conversation.previousResponseId };
  return { kind: 'new' };
}
