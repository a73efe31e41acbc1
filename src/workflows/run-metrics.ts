/**
 * agentrun's metrics emitted by its workflows, through the SDK's workflow metric meter: exported
 * with the worker's other metrics (`agentrun worker --metrics-port`), tagged with namespace, task
 * queue and workflow type, and not emitted again while a workflow replays. Counters only: a gauge
 * per workflow would overwrite another's; "approvals waiting" is requested minus settled.
 */
import { metricMeter } from '@temporalio/workflow';

/** Runs started (not continued as new). */
export function countRunStarted(): void {
  metricMeter.createCounter('agentrun_runs_started', 'runs', 'Agent runs started.').add(1);
}

/** Runs that ended, by how (`completed`, `failed`, `cancelled`, `expired`, ...). */
export function countRunFinished(status: string): void {
  metricMeter.createCounter('agentrun_runs_finished', 'runs', 'Agent runs that ended, by status.').add(1, { status });
}

/** Calls that began waiting for a person (`approval`) or an outside output (`output`). */
export function countDecisionRequested(waitingFor: 'approval' | 'output'): void {
  metricMeter.createCounter('agentrun_decisions_requested', 'calls', 'Tool calls that began waiting for a decision.').add(1, { waiting_for: waitingFor });
}

/** Calls whose wait ended, by how: `approve`, `deny`, `output` (the decision's verb) or `timed_out`. */
export function countDecisionSettled(decision: string): void {
  metricMeter.createCounter('agentrun_decisions_settled', 'calls', 'Tool calls whose wait for a decision ended, by decision.').add(1, { decision });
}
