/**
 * The typed client backend services use to start and steer agent runs.
 *
 * ```ts
 * const agentrun = await AgentRunClient.connect();           // TEMPORAL_ADDRESS etc.
 * const { workflowId } = await agentrun.start({ assistantId, thread: { messages: [{ role: 'user', content: 'Hi' }] } });
 * await agentrun.approve(workflowId, { toolCallId, approver: 'alice' });
 * const result = await agentrun.result(workflowId);
 * ```
 */
import { randomBytes } from 'node:crypto';
import { Client, WorkflowUpdateFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { LiveRunDetails } from './shared/activity-types';
import { agentRunInputSchema, describeIssues, type AgentRunInput } from './shared/run-input';
import {
  AGENT_RUN_WORKFLOW_TYPE,
  approveToolCallSignal,
  decideToolCallUpdate,
  DEFAULT_TASK_QUEUE,
  denyToolCallSignal,
  runStateQuery,
  submitToolOutputSignal,
  type ApproveToolCallPayload,
  type DenyToolCallPayload,
  type SubmitToolOutputPayload,
  type ToolCallDecisionPayload,
} from './shared/run-messages';
import type { AgentRunResult, AgentRunState, ToolCallRecord } from './shared/run-types';
import { AGENT_RUN_ASSISTANT_ID, AGENT_RUN_PENDING_APPROVALS, AGENT_RUN_RUN_ID, AGENT_RUN_STATUS, AGENT_RUN_THREAD_ID } from './shared/search-attributes';
import { connectTemporalClient } from './temporal-connection';
import type { agentRunWorkflow } from './workflows/agent-run-workflow';

/** The activities that wait on a provider run and heartbeat its live details. */
const RUN_ACTIVITY_TYPES = ['startRun', 'submitToolOutputs', 'waitForRun', 'cancelRun'];

/** Thrown for input the workflow would reject; names every wrong field. */
export class InvalidAgentRunInputError extends Error {
  override name = 'InvalidAgentRunInputError';
}

/** Thrown when the workflow rejects a decision (unknown or settled call, bad payload, approver not allowed). */
export class DecisionRejectedError extends Error {
  override name = 'DecisionRejectedError';
}

/** How a decision is sent: a validated update (default: the sender learns of a rejection) or a signal (fire and forget). */
export type DecisionTransport = 'update' | 'signal';

/** A run in a visibility listing. */
export interface AgentRunListing {
  workflowId: string;
  status: string;
  phase: string | undefined;
  assistantId: string | undefined;
  threadId: string | undefined;
  runId: string | undefined;
  pendingApprovals: number;
  startTime: Date;
}

/** Options of {@link AgentRunClient.start}. */
export interface StartOptions {
  /** Default: readable and unique, `agent-run-<assistant>-<UTC time>-<random>`. */
  workflowId?: string;
}

/** Starts, steers and inspects agent run workflows. */
export class AgentRunClient {
  readonly taskQueue: string;

  constructor(
    readonly client: Client,
    options: { taskQueue?: string } = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  /** Connects with Temporal's usual environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, envconfig profiles). */
  static async connect(options: { address?: string; namespace?: string; taskQueue?: string } = {}): Promise<AgentRunClient> {
    return new AgentRunClient(await connectTemporalClient(options), options);
  }

  /** Closes the connection this client opened. */
  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /** Validates the input (throws {@link InvalidAgentRunInputError}) and starts the workflow. */
  async start(input: AgentRunInput, options: StartOptions = {}): Promise<{ workflowId: string; handle: WorkflowHandleWithFirstExecutionRunId<typeof agentRunWorkflow> }> {
    const parsed = agentRunInputSchema.safeParse(input);
    if (!parsed.success) throw new InvalidAgentRunInputError(`Invalid agent run input: ${describeIssues(parsed.error)}`);
    const workflowId = options.workflowId ?? readableWorkflowId(parsed.data.assistantId);
    const handle = await this.client.workflow.start<typeof agentRunWorkflow>(AGENT_RUN_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input],
      typedSearchAttributes: [
        { key: AGENT_RUN_STATUS, value: 'starting' },
        { key: AGENT_RUN_ASSISTANT_ID, value: parsed.data.assistantId },
        ...(parsed.data.threadId ? [{ key: AGENT_RUN_THREAD_ID, value: parsed.data.threadId }] : []),
      ],
      staticSummary: `agent run of ${parsed.data.assistantId}${parsed.data.threadId ? ` on ${parsed.data.threadId}` : ' on a new thread'}`,
    });
    return { workflowId, handle };
  }

  /** Starts the workflow and waits for its result. */
  async run(input: AgentRunInput, options: StartOptions = {}): Promise<AgentRunResult> {
    const { handle } = await this.start(input, options);
    return handle.result();
  }

  /** The workflow's result (waits until it ends). */
  async result(workflowId: string): Promise<AgentRunResult> {
    return this.handle(workflowId).result();
  }

  /**
   * The live state (status, ids, pending calls and approvals, usage, timeline). While the workflow
   * waits on the provider, the run id and provider status come from the waiting activity's
   * heartbeat (the workflow itself learns them when the wait ends).
   */
  async status(workflowId: string): Promise<AgentRunState> {
    const handle = this.handle(workflowId);
    const state = await handle.query(runStateQuery);
    const live = await this.liveRunDetails(handle);
    if (!live) return state;
    return {
      ...state,
      threadId: state.threadId ?? live.threadId,
      runId: live.runId,
      runIds: state.runIds.includes(live.runId) ? state.runIds : [...state.runIds, live.runId],
      providerStatus: live.status,
      expiresAt: live.expiresAt ? new Date(live.expiresAt * 1000).toISOString() : state.expiresAt,
    };
  }

  /** The heartbeat details of the run activity the workflow is waiting on, if any. */
  private async liveRunDetails(handle: WorkflowHandle): Promise<LiveRunDetails | undefined> {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return undefined;
    const converter = this.client.options.loadedDataConverter.payloadConverter;
    for (const activity of description.raw.pendingActivities ?? []) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload || !RUN_ACTIVITY_TYPES.includes(activity.activityType?.name ?? '')) continue;
      const details = converter.fromPayload<LiveRunDetails | undefined>(payload);
      if (details?.runId) return details;
    }
    return undefined;
  }

  /** Approves a pending call, optionally with edited arguments. */
  async approve(workflowId: string, payload: ApproveToolCallPayload, transport: DecisionTransport = 'update'): Promise<ToolCallRecord | undefined> {
    if (transport === 'signal') return void (await this.handle(workflowId).signal(approveToolCallSignal, payload));
    return this.decide(workflowId, { ...payload, decision: 'approve' });
  }

  /** Denies a pending call; the reason is what the model reads. */
  async deny(workflowId: string, payload: DenyToolCallPayload, transport: DecisionTransport = 'update'): Promise<ToolCallRecord | undefined> {
    if (transport === 'signal') return void (await this.handle(workflowId).signal(denyToolCallSignal, payload));
    return this.decide(workflowId, { ...payload, decision: 'deny' });
  }

  /** Supplies a pending call's output from outside. */
  async submitOutput(workflowId: string, payload: SubmitToolOutputPayload, transport: DecisionTransport = 'update'): Promise<ToolCallRecord | undefined> {
    if (transport === 'signal') return void (await this.handle(workflowId).signal(submitToolOutputSignal, payload));
    return this.decide(workflowId, { ...payload, decision: 'output' });
  }

  /** Cancels the workflow; it cancels the run at the provider and waits until the run has ended. */
  async cancel(workflowId: string): Promise<void> {
    await this.handle(workflowId).cancel();
  }

  /** Runs that wait for a person right now (a visibility query on agentrun's search attributes). */
  async listAwaitingApproval(limit = 100): Promise<AgentRunListing[]> {
    return this.list(`${AGENT_RUN_PENDING_APPROVALS.name} > 0 AND ExecutionStatus = 'Running'`, limit);
  }

  /** Agent runs matching a visibility query (default: all agent runs, newest first). */
  async list(query = `WorkflowType = '${AGENT_RUN_WORKFLOW_TYPE}'`, limit = 100): Promise<AgentRunListing[]> {
    const listings: AgentRunListing[] = [];
    for await (const execution of this.client.workflow.list({ query })) {
      const attributes = execution.typedSearchAttributes;
      listings.push({
        workflowId: execution.workflowId,
        status: execution.status.name,
        phase: attributes.get(AGENT_RUN_STATUS),
        assistantId: attributes.get(AGENT_RUN_ASSISTANT_ID),
        threadId: attributes.get(AGENT_RUN_THREAD_ID),
        runId: attributes.get(AGENT_RUN_RUN_ID),
        pendingApprovals: attributes.get(AGENT_RUN_PENDING_APPROVALS) ?? 0,
        startTime: execution.startTime,
      });
      if (listings.length >= limit) break;
    }
    return listings;
  }

  /** The workflow handle, for anything this client does not wrap. */
  handle(workflowId: string): WorkflowHandle<typeof agentRunWorkflow> {
    return this.client.workflow.getHandle<typeof agentRunWorkflow>(workflowId);
  }

  private async decide(workflowId: string, payload: ToolCallDecisionPayload): Promise<ToolCallRecord> {
    try {
      return await this.handle(workflowId).executeUpdate(decideToolCallUpdate, { args: [payload] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new DecisionRejectedError(error.cause?.message ?? error.message);
      throw error;
    }
  }
}

/** `agent-run-<assistant>-<yyyymmdd-hhmmss>-<4 hex>`: sortable, readable, unique enough with the suffix. */
export function readableWorkflowId(assistantId: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const assistant = assistantId.replace(/[^a-zA-Z0-9_-]/g, '').slice(0, 40) || 'assistant';
  return `agent-run-${assistant}-${stamp}-${randomBytes(2).toString('hex')}`;
}
