/**
 * Following a run while it works: `agentrun run` and the demo poll the workflow's state query
 * and print what changed (timeline entries, phase and provider status, tool calls starting, calls
 * that wait for a person with the exact command that decides them) until the workflow closes.
 *
 * Why polling a query: the state lives in the workflow and the live provider status in the
 * waiting activity's heartbeat; `AgentRunClient.status()` merges both, and a query costs no
 * history events, so following a run never changes it.
 */
import type { AgentRunClient } from '../client';
import type { AgentRunResult, AgentRunState, ToolCallRecord } from '../shared/run-types';
import { describeWorkflowFailure, suggestedCommand, type ConnectionFlags, type WorkflowFailureDescription } from './command-support';
import { clockTime, oneLine, shellQuote, style } from './text-format';

/** How often the state is read while following: live enough for a person, one cheap query each time. */
export const PROGRESS_POLL_INTERVAL_MS = 500;

/** Prints the changes between successive states of one run. */
export class RunProgressPrinter {
  private readonly printedEvents = new Set<string>();
  private readonly announcedExecutions = new Set<string>();
  private lastPhase = '';

  constructor(
    private readonly workflowId: string,
    private readonly flags: ConnectionFlags = {},
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  /** Prints what is new in `state`: timeline entries, a phase or provider status change, tool calls that started. */
  update(state: AgentRunState): void {
    for (const entry of state.timeline) {
      const key = `${entry.at}\u0000${entry.event}\u0000${entry.detail ?? ''}`;
      if (this.printedEvents.has(key)) continue;
      this.printedEvents.add(key);
      this.write(`  ${style.dim(clockTime(entry.at))}  ${entry.event}${entry.detail ? `: ${style.dim(oneLine(entry.detail))}` : ''}`);
    }
    const phase = `${state.phase}${state.providerStatus ? ` (run ${state.providerStatus})` : ''}`;
    if (phase !== this.lastPhase) {
      this.lastPhase = phase;
      this.write(`  ${style.dim(clockTime(new Date()))}  ${style.cyan(`phase ${phase}`)}`);
    }
    for (const call of state.pendingToolCalls) {
      if (call.waitingFor !== 'execution' || this.announcedExecutions.has(call.toolCallId)) continue;
      this.announcedExecutions.add(call.toolCallId);
      this.write(`  ${style.dim(clockTime(new Date()))}  running ${call.name} ${style.dim(oneLine(call.arguments))} (${call.toolCallId})`);
    }
  }

  /** Announces a call that waits for a person, with the commands that decide it. */
  decisionNeeded(call: ToolCallRecord): void {
    for (const line of decisionNeededLines(this.workflowId, call, this.flags)) this.write(line);
  }
}

/** The lines announcing a call that waits for a person: what it is, and the commands to run. */
export function decisionNeededLines(workflowId: string, call: ToolCallRecord, flags: ConnectionFlags = {}): string[] {
  const header = `  ${style.dim(clockTime(new Date()))}  ${style.yellow(call.waitingFor === 'output' ? 'output needed' : 'approval needed')}: ${call.name} ${oneLine(call.arguments)} (${call.toolCallId})`;
  return [header, ...decisionCommandLines(workflowId, call, flags).map((line) => `              ${line}`)];
}

/** `approve: agentrun approve WF CALL --approver YOUR_NAME` and `deny: ...` (or `output: ...` for outside outputs). */
export function decisionCommandLines(workflowId: string, call: ToolCallRecord, flags: ConnectionFlags = {}): string[] {
  const target = [shellQuote(workflowId), shellQuote(call.toolCallId)];
  const deny = suggestedCommand(['deny', ...target, '--approver', 'YOUR_NAME', '--reason', shellQuote('WHY')], flags);
  if (call.waitingFor === 'output') {
    return [`output: ${suggestedCommand(['output', ...target, '--approver', 'YOUR_NAME', '--output', shellQuote('TEXT')], flags)}`, `deny:   ${deny}`];
  }
  return [`approve: ${suggestedCommand(['approve', ...target, '--approver', 'YOUR_NAME'], flags)}`, `deny:    ${deny}`];
}

/** How following a run ended. */
export type FollowOutcome =
  | { kind: 'result'; result: AgentRunResult }
  | { kind: 'failure'; failure: WorkflowFailureDescription }
  | { kind: 'stopped' };

/** Options of {@link followRun}. */
export interface FollowOptions {
  /** Prints progress; without it nothing is printed and the state is not polled (unless `onDecisionNeeded` needs it). */
  printer?: RunProgressPrinter;
  /** Called once per call that starts waiting for a person (the demo approves there). Awaited. */
  onDecisionNeeded?: (call: ToolCallRecord) => Promise<void>;
  /** Aborting stops following (the workflow keeps running). */
  signal?: AbortSignal;
  pollIntervalMs?: number;
}

/** Waits for the workflow's result, printing progress meanwhile. Never throws for a failed workflow: returns it. */
export async function followRun(client: AgentRunClient, workflowId: string, options: FollowOptions = {}): Promise<FollowOutcome> {
  // The result is a long poll: abort it when following stops, so no retry of it outlives the
  // caller's connection (grpc-js throws from a timer when a retry hits a closed channel).
  const resultAbort = new AbortController();
  const ending: Promise<FollowOutcome> = client.client.connection.withAbortSignal(resultAbort.signal, () => client.result(workflowId)).then(
    (result) => ({ kind: 'result', result }),
    (error: unknown) => ({ kind: 'failure', failure: describeWorkflowFailure(error) }),
  );
  const stopped = new Promise<FollowOutcome>((resolve) => {
    if (options.signal?.aborted) resolve({ kind: 'stopped' });
    options.signal?.addEventListener('abort', () => resolve({ kind: 'stopped' }), { once: true });
  });
  const settled = Promise.race([ending, stopped]);
  let outcome: FollowOutcome | undefined;
  void settled.then((first) => {
    outcome = first;
  });

  if (options.printer || options.onDecisionNeeded) {
    const announced = new Set<string>();
    const poll = async () => {
      // The query fails before the first workflow task has run, and may time out under load: the next poll retries.
      const state = await client.status(workflowId).catch(() => undefined);
      if (!state || outcome) return;
      options.printer?.update(state);
      for (const call of state.pendingApprovals) {
        if (announced.has(call.toolCallId) || (call.waitingFor !== 'approval' && call.waitingFor !== 'output')) continue;
        announced.add(call.toolCallId);
        options.printer?.decisionNeeded(call);
        await options.onDecisionNeeded?.(call);
      }
    };
    while (!outcome) {
      await poll();
      if (outcome) break;
      await pause(options.pollIntervalMs ?? PROGRESS_POLL_INTERVAL_MS, settled);
    }
  }
  const first = await settled;
  if (first.kind === 'stopped') {
    resultAbort.abort();
    await ending;
    return first;
  }
  if (options.printer) {
    // The last entries (the run's end) were written after the last poll. A closed workflow's query
    // is answered by a worker replaying it; bounded, so a missing worker cannot hold the CLI.
    const final = await client.client.connection.withDeadline(Date.now() + 3_000, () => client.status(workflowId)).catch(() => undefined);
    if (final) options.printer.update(final);
  }
  return first;
}

/** Sleeps `ms`, or less when `until` settles first; leaves no timer behind. */
async function pause(ms: number, until: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), until.then(() => undefined)]);
  clearTimeout(timer);
}
