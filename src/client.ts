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
import { createHash, randomBytes } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { LiveRunDetails } from './shared/activity-types';
import { agentLabel, agentOf, agentRunInputSchema, conversationOf, describeIssues, type AgentRunInput } from './shared/run-input';
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
import { AGENT_RUN_PENDING_APPROVALS, runSearchAttributeKeys } from './shared/search-attributes';
import {
  checkSearchAttributeConfig,
  DEFAULT_SEARCH_ATTRIBUTE_CONFIG,
  keysToRegister,
  SEARCH_ATTRIBUTES_VARIABLE,
  searchAttributeConfigFromEnvironment,
  settingFor,
  temporalCliCommand,
  temporalCloudCommand,
  type SearchAttributeConfig,
} from './search-attribute-config';
import { connectTemporalClient } from './temporal-connection';
import type { EncryptionKeySource } from './encryption/data-converter';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import { migrateThreadInputSchema, type MigrateThreadInput } from './shared/migration-input';
import type { MigrationResult } from './shared/migration-types';
import type { agentRunWorkflow } from './workflows/agent-run-workflow';
import type { migrateThreadWorkflow } from './workflows/migration-workflow';

/** How many times a decision is sent (with the same update id) while the server's RPC deadline passes. */
const DECISION_ATTEMPTS = 5;

/** The thread migration workflow's type name. */
export const MIGRATE_THREAD_WORKFLOW_TYPE = 'migrateThreadWorkflow';

/** The one migration workflow of a thread. */
export function migrationWorkflowId(threadId: string): string {
  return `migrate-thread-${threadId}`;
}

/** The activities that wait on a provider run and heartbeat its live details. */
const RUN_ACTIVITY_TYPES = ['startRun', 'submitToolOutputs', 'waitForRun', 'watchRun', 'cancelRun'];

/** Thrown for input the workflow would reject; names every wrong field. */
export class InvalidAgentRunInputError extends Error {
  override name = 'InvalidAgentRunInputError';
}

/** Thrown when the workflow rejects a decision (unknown or settled call, bad payload, approver not allowed, bad edit). */
export class DecisionRejectedError extends Error {
  override name = 'DecisionRejectedError';
}

/** Thrown for a decision sent to a run whose workflow has already ended; the message says how it ended. */
export class RunAlreadyFinishedError extends DecisionRejectedError {
  override name = 'RunAlreadyFinishedError';
  constructor(
    message: string,
    /** How the workflow closed: `COMPLETED`, `FAILED`, `CANCELLED`, `TERMINATED`, `TIMED_OUT`. */
    readonly workflowStatus: string,
  ) {
    super(message);
  }
}

/**
 * Thrown when the Temporal namespace lacks agentrun's search attributes (a server started by hand,
 * say). The message names them and the command that registers them.
 */
export class MissingSearchAttributesError extends Error {
  override name = 'MissingSearchAttributesError';
}

/**
 * The largest workflow input agentrun starts: Temporal refuses payloads over 2 MiB (its blob size
 * limit); the margin leaves room for the payload's own encoding.
 */
export const MAX_WORKFLOW_INPUT_BYTES = 2 * 1024 * 1024 - 16 * 1024;

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
  /** Who decided the latest decided call (the signed identity when signed). */
  lastApprover: string | undefined;
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
  /**
   * Which search attributes runs keep, and under which names: what the deployment's workers
   * registered (default: AGENTRUN_SEARCH_ATTRIBUTES, AGENTRUN_SEARCH_ATTRIBUTE_PREFIX).
   */
  readonly searchAttributes: SearchAttributeConfig;

  constructor(
    readonly client: Client,
    options: { taskQueue?: string; searchAttributes?: Partial<SearchAttributeConfig> } = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.searchAttributes = options.searchAttributes ? checkSearchAttributeConfig(options.searchAttributes) : searchAttributeConfigFromEnvironment();
  }

  /** The run attributes this client starts runs with and lists them by (undefined: the deployment keeps none). */
  private get runKeys() {
    return runSearchAttributeKeys(settingFor(this.searchAttributes, 'runs'));
  }

  /** Connects with Temporal's usual environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, envconfig profiles). */
  static async connect(
    options: { address?: string; namespace?: string; taskQueue?: string; encryptionKeys?: EncryptionKeySource; tracing?: boolean; searchAttributes?: Partial<SearchAttributeConfig> } = {},
  ): Promise<AgentRunClient> {
    return new AgentRunClient(await connectTemporalClient(options), options);
  }

  /** Closes the connection this client opened. */
  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /** Validates the input (throws {@link InvalidAgentRunInputError}) and starts the workflow. */
  async start(input: AgentRunInput, options: StartOptions = {}): Promise<{ workflowId: string; handle: WorkflowHandleWithFirstExecutionRunId<typeof agentRunWorkflow> }> {
    const parsed = agentRunInputSchema().safeParse(input);
    if (!parsed.success) throw new InvalidAgentRunInputError(`Invalid agent run input: ${describeIssues(parsed.error)}`);
    const oversize = oversizeInputProblem(input);
    if (oversize) throw new InvalidAgentRunInputError(oversize);
    const agent = agentLabel(agentOf(parsed.data));
    const conversation = conversationOf(parsed.data);
    const workflowId = options.workflowId ?? readableWorkflowId(agent);
    // The deployment's setting travels in the input (unless the caller gave one): the run keeps it for good.
    const setting = parsed.data.searchAttributes ?? settingFor(this.searchAttributes, 'runs');
    const sent = setting !== undefined && input.searchAttributes === undefined ? { ...input, searchAttributes: setting } : input;
    const keys = runSearchAttributeKeys(setting);
    const handle = await this.startWorkflow<typeof agentRunWorkflow>(AGENT_RUN_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [sent],
      typedSearchAttributes: keys
        ? [
            { key: keys.status, value: 'starting' },
            { key: keys.assistantId, value: agent },
            ...(conversation.kind === 'existing' ? [{ key: keys.threadId, value: conversation.id }] : []),
          ]
        : [],
      staticSummary: `agent run of ${agent} ${conversation.kind === 'existing' ? `on ${conversation.id}` : conversation.kind === 'chain' ? `after ${conversation.previousResponseId}` : 'on a new conversation'}`,
    });
    return { workflowId, handle };
  }

  /**
   * `client.workflow.start`, with the server's refusals that a caller can fix turned into errors
   * that say how: missing search attributes, an input over the server's size limit.
   */
  private async startWorkflow<T extends Workflow>(
    type: string,
    options: Parameters<Client['workflow']['start']>[1],
  ): Promise<WorkflowHandleWithFirstExecutionRunId<T>> {
    try {
      return (await this.client.workflow.start(type, options)) as unknown as WorkflowHandleWithFirstExecutionRunId<T>;
    } catch (error) {
      throw explainStartFailure(error, this.client.options.namespace, this.searchAttributes);
    }
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
    // The client's whole data converter: with encryption, heartbeat details are encrypted too.
    const converter = this.client.options.loadedDataConverter;
    for (const activity of description.raw.pendingActivities ?? []) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload || !RUN_ACTIVITY_TYPES.includes(activity.activityType?.name ?? '')) continue;
      const details = await decodeOptionalSinglePayload<LiveRunDetails | undefined>(converter, payload);
      if (details?.runId) return details;
    }
    return undefined;
  }

  /** Approves a pending call, optionally with edited arguments. */
  async approve(workflowId: string, payload: ApproveToolCallPayload, transport: DecisionTransport = 'update'): Promise<ToolCallRecord | undefined> {
    if (transport === 'signal') return this.signalDecision(workflowId, (handle) => handle.signal(approveToolCallSignal, payload));
    return this.decide(workflowId, { ...payload, decision: 'approve' });
  }

  /** Denies a pending call; the reason is what the model reads. */
  async deny(workflowId: string, payload: DenyToolCallPayload, transport: DecisionTransport = 'update'): Promise<ToolCallRecord | undefined> {
    if (transport === 'signal') return this.signalDecision(workflowId, (handle) => handle.signal(denyToolCallSignal, payload));
    return this.decide(workflowId, { ...payload, decision: 'deny' });
  }

  /** Supplies a pending call's output from outside. */
  async submitOutput(workflowId: string, payload: SubmitToolOutputPayload, transport: DecisionTransport = 'update'): Promise<ToolCallRecord | undefined> {
    if (transport === 'signal') return this.signalDecision(workflowId, (handle) => handle.signal(submitToolOutputSignal, payload));
    return this.decide(workflowId, { ...payload, decision: 'output' });
  }

  /** Cancels the workflow; it cancels the run at the provider and waits until the run has ended. */
  async cancel(workflowId: string): Promise<void> {
    await this.handle(workflowId).cancel();
  }

  /**
   * Runs that wait for a person right now (a visibility query on agentrun's search attributes),
   * in any task queue of the namespace, or only in `options.taskQueue`.
   */
  async listAwaitingApproval(limit = 100, options: { taskQueue?: string } = {}): Promise<AgentRunListing[]> {
    const keys = this.runKeys;
    if (!keys) {
      throw new Error(
        `Runs waiting for a person are found by the search attribute ${AGENT_RUN_PENDING_APPROVALS.name}, and this deployment keeps no run search attributes (${SEARCH_ATTRIBUTES_VARIABLE}=${this.searchAttributes.families.join(',') || 'none'}). Add runs to ${SEARCH_ATTRIBUTES_VARIABLE}, or ask each run with status().`,
      );
    }
    const queue = options.taskQueue;
    if (queue !== undefined && /['"\\]/.test(queue)) throw new Error(`Task queue names with quotes or backslashes cannot be listed by: ${JSON.stringify(queue)}`);
    return this.list(`${keys.pendingApprovals.name} > 0 AND ExecutionStatus = 'Running'${queue !== undefined ? ` AND TaskQueue = '${queue}'` : ''}`, limit);
  }

  /** Agent runs matching a visibility query (default: all agent runs, newest first). */
  async list(query = `WorkflowType = '${AGENT_RUN_WORKFLOW_TYPE}'`, limit = 100): Promise<AgentRunListing[]> {
    const listings: AgentRunListing[] = [];
    const keys = this.runKeys;
    for await (const execution of this.client.workflow.list({ query })) {
      const attributes = execution.typedSearchAttributes;
      listings.push({
        workflowId: execution.workflowId,
        status: execution.status.name,
        phase: keys && attributes.get(keys.status),
        assistantId: keys && attributes.get(keys.assistantId),
        threadId: keys && attributes.get(keys.threadId),
        runId: keys && attributes.get(keys.runId),
        pendingApprovals: (keys && attributes.get(keys.pendingApprovals)) ?? 0,
        lastApprover: keys && attributes.get(keys.lastApprover),
        startTime: execution.startTime,
      });
      if (listings.length >= limit) break;
    }
    return listings;
  }

  /**
   * Copies a classic thread's messages into a new conversation of the Responses API (durably: a
   * crash resumes) and resolves to the result with the conversation id. One migration per thread:
   * the workflow id is `migrate-thread-<thread>`, so calling again while it runs follows the same
   * migration, and after it completed returns its result instead of copying again.
   */
  async migrateThread(input: MigrateThreadInput): Promise<MigrationResult> {
    const parsed = migrateThreadInputSchema().safeParse(input);
    if (!parsed.success) throw new InvalidAgentRunInputError(`Invalid thread migration: ${describeIssues(parsed.error)}`);
    const workflowId = migrationWorkflowId(parsed.data.threadId);
    try {
      const handle = await this.client.workflow.start<typeof migrateThreadWorkflow>(MIGRATE_THREAD_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        // Running: follow it. Completed: its result stands. Failed or cancelled: start over.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `migrate thread ${parsed.data.threadId} to a conversation`,
      });
      return await handle.result();
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw explainStartFailure(error, this.client.options.namespace);
      return this.client.workflow.getHandle<typeof migrateThreadWorkflow>(workflowId).result();
    }
  }

  /** The workflow handle, for anything this client does not wrap. */
  handle(workflowId: string): WorkflowHandle<typeof agentRunWorkflow> {
    return this.client.workflow.getHandle<typeof agentRunWorkflow>(workflowId);
  }

  private async decide(workflowId: string, payload: ToolCallDecisionPayload): Promise<ToolCallRecord> {
    // One id per decision: the server deduplicates updates by id, so asking again after an RPC
    // timeout (a decision on an evicted run waits for its replay, which a busy worker can make
    // outlast the server's deadline) gets this decision's outcome instead of losing or repeating it.
    const updateId = `decision-${createHash('sha256').update(JSON.stringify([workflowId, payload])).digest('hex').slice(0, 32)}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.handle(workflowId).executeUpdate(decideToolCallUpdate, { args: [payload], updateId });
      } catch (error) {
        if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError && attempt < DECISION_ATTEMPTS) continue;
        if (error instanceof WorkflowUpdateFailedError) throw new DecisionRejectedError(error.cause?.message ?? error.message);
        throw await this.explainClosed(workflowId, error);
      }
    }
  }

  /** Sends a decision signal; a finished run is reported as such. */
  private async signalDecision(workflowId: string, send: (handle: WorkflowHandle<typeof agentRunWorkflow>) => Promise<void>): Promise<undefined> {
    try {
      await send(this.handle(workflowId));
      return undefined;
    } catch (error) {
      throw await this.explainClosed(workflowId, error);
    }
  }

  /**
   * An update or signal to a closed workflow fails as "not found", which reads as if the run never
   * existed. If the workflow exists and has ended, say so and how; otherwise keep the error.
   */
  private async explainClosed(workflowId: string, error: unknown): Promise<unknown> {
    if (!(error instanceof WorkflowNotFoundError) && (error as { code?: number }).code !== 5) return error;
    return (await this.finishedRunError(workflowId).catch(() => undefined)) ?? error;
  }

  /**
   * When the workflow has ended, the error a decision for it gets (saying how it ended); undefined
   * while it runs. Reads only the server (describe, result): no worker needed.
   */
  async finishedRunError(workflowId: string): Promise<RunAlreadyFinishedError | undefined> {
    const description = await this.handle(workflowId).describe();
    const status = description.status.name;
    if (status === 'RUNNING') return undefined;
    const closed = description.closeTime ? ` at ${description.closeTime.toISOString()}` : '';
    return new RunAlreadyFinishedError(`The run ${workflowId} has already finished (${await this.howItEnded(workflowId, status)}${closed}): no decision is taken any more.`, status);
  }

  /** One phrase for how a closed workflow ended: its result's status, or its failure. */
  private async howItEnded(workflowId: string, status: string): Promise<string> {
    try {
      const result = await this.handle(workflowId).result();
      return `workflow ${status.toLowerCase()}, run ${result.status}`;
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const cause = error.cause as { type?: string; message?: string } | undefined;
        return `workflow ${status.toLowerCase()}${cause?.message ? `: ${cause.type ? `${cause.type}: ` : ''}${cause.message}` : ''}`;
      }
      return `workflow ${status.toLowerCase()}`;
    }
  }
}

/**
 * `agent-run-<agent>-<yyyymmdd-hhmmss>-<10 hex>`: sortable and readable. The suffix has 40 random
 * bits: a service starting thousands of runs in one second must not collide (with 16 bits, 1,000
 * starts in a second collided in the scale benchmark).
 */
export function readableWorkflowId(agent: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const assistant = agent.replace(/[^a-zA-Z0-9_-]/g, '').slice(0, 40) || 'agent';
  return `agent-run-${assistant}-${stamp}-${randomBytes(5).toString('hex')}`;
}

/**
 * Says why an input is too large to start, naming its largest fields, or undefined when it fits.
 * Temporal would refuse it with "Blob data size exceeds limit" and no field named.
 */
export function oversizeInputProblem(input: unknown, limit: number = MAX_WORKFLOW_INPUT_BYTES): string | undefined {
  const size = Buffer.byteLength(JSON.stringify(input) ?? '');
  if (size <= limit) return undefined;
  const fields = largestFields(input).slice(0, 3).map(([path, bytes]) => `${path} (${formatBytes(bytes)})`);
  return (
    `The workflow input is ${formatBytes(size)}; Temporal takes at most ${formatBytes(limit)} per payload. ` +
    `Largest fields: ${fields.join(', ')}. Put large content in a file (upload it and attach it to a message) or on the thread before the run, not in the input.`
  );
}

/** Leaf fields by JSON size, largest first: `thread.messages[0].content`. */
function largestFields(value: unknown, path = '', found: Array<[string, number]> = []): Array<[string, number]> {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) largestFields(child, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, found);
  } else {
    found.push([path || '(input)', Buffer.byteLength(JSON.stringify(value) ?? '')]);
  }
  return found.sort((left, right) => right[1] - left[1]);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** Turns the start refusals a caller can fix into errors that say how; other errors pass unchanged. */
export function explainStartFailure(error: unknown, namespace: string, config: SearchAttributeConfig = DEFAULT_SEARCH_ATTRIBUTE_CONFIG): unknown {
  const message = error instanceof Error ? `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}` : String(error);
  if (/search attribute/i.test(message) && /(not defined|unknown|not found|invalid)/i.test(message)) {
    const keys = keysToRegister(config);
    return new MissingSearchAttributesError(
      `The namespace ${namespace} lacks agentrun's search attributes (${keys.map((key) => key.name).join(', ')}). ` +
        `Start an agentrun worker against it once (it registers them), or run:\n  ${temporalCliCommand(namespace, keys)}\n` +
        `On Temporal Cloud:\n  ${temporalCloudCommand(namespace, keys)}\n` +
        `(or set ${SEARCH_ATTRIBUTES_VARIABLE}=none on the workers and clients to keep none).`,
    );
  }
  if (/blob data size exceeds limit|exceeds.*size limit|message larger than max/i.test(message)) {
    return new InvalidAgentRunInputError(`The Temporal server refused the workflow input as too large (${message.trim()}). Put large content in a file, not in the input.`);
  }
  return error;
}
