/**
 * Who sees which waiting call in the approvals inbox: the same rule the workflow applies to a
 * signed decision (src/workflows/agent-run-workflow.ts, verifySignature), so the inbox lists what
 * the person's decision would be accepted for, and nothing else.
 */
import type { AgentRunState, ToolCallRecord } from '../shared/run-types';

/** The signed-in person, as the OpenID provider vouched for them. */
export interface InboxIdentity {
  /** The identity decisions are signed as (the `sub` claim, or the configured subject claim). */
  subject: string;
  email?: string;
  name?: string;
  /** From the configured groups claim; `group:NAME` approvers match them. */
  groups: string[];
}

/**
 * Why a call is shown: the approvers name the person or one of their groups (`listed`), the run
 * names no approvers (`anyone`: every signed-in person sees it), or the worker that answered is
 * older than the inbox and does not say (`unknown`: the run checks when the person decides).
 */
export type CallAccess = 'listed' | 'anyone' | 'unknown';

/** Whether the person may decide calls of a run with these settings; undefined when not. */
export function accessTo(state: Pick<AgentRunState, 'approval'>, person: InboxIdentity): CallAccess | undefined {
  if (!state.approval) return 'unknown';
  const approvers = state.approval.approvers;
  if (!approvers) return 'anyone';
  if (approvers.includes(person.subject)) return 'listed';
  return person.groups.some((group) => approvers.includes(`group:${group}`)) ? 'listed' : undefined;
}

/** A call waiting for a person, with its run and why this person sees it. */
export interface VisibleCall {
  workflowId: string;
  state: AgentRunState;
  call: ToolCallRecord;
  access: CallAccess;
}

/** The calls of a run that wait for a decision this person may take. */
export function visibleCalls(state: AgentRunState, person: InboxIdentity): VisibleCall[] {
  const access = accessTo(state, person);
  if (!access) return [];
  return state.pendingApprovals
    .filter((call) => call.waitingFor === 'approval' || call.waitingFor === 'output')
    .map((call) => ({ workflowId: state.workflowId, state, call, access }));
}

/** How a person is named on the page: their name, else e-mail, else subject. */
export function displayName(person: InboxIdentity): string {
  return person.name ?? person.email ?? person.subject;
}
