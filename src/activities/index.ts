/**
 * All of agentrun's activities, built once in the worker from injected dependencies
 * (samples-typescript `activities-dependency-injection`). Workflows type their proxies with
 * `ReturnType<typeof createActivities>`.
 */
import type { AgentService } from '../providers/agent-service';
import type { FileStore, ThreadsRunsApi } from '../providers/provider';
import type { ResponsesApi } from '../providers/responses-api';
import type { Tool } from '../tools/define-tool';
import type { TurnWatcher } from '../watcher/turn-watcher';
import type { DecisionTrust } from '../decisions/signed-decisions';
import { createDecisionActivities } from './decision-activities';
import { createNotificationActivities } from './notification-activities';
import type { NotificationConfig } from '../notifications/approval-notifications';
import { createIngestionActivities } from './ingestion-activities';
import { createInputActivities } from './input-activities';
import { createMigrationActivities } from './migration-activities';
import { createRunActivities } from './run-activities';
import { createToolActivities } from './tool-activities';

/** What the activities need from the worker. */
export interface ActivityDependencies {
  /** Turns of agents: the neutral seam over the worker's protocol. */
  service: AgentService;
  /** Files and vector stores (ingestion). */
  files: FileStore;
  /** A classic thread's API and the successor's conversations (thread migration), when the provider has both. */
  migration?: { threads: ThreadsRunsApi; conversations: ResponsesApi };
  tools: readonly Tool[];
  /** Secrets to scrub from any failure message. */
  secrets: readonly string[];
  /** Waits on many turns without holding activity slots (`watchRun`); without it, `watchRun` waits in its activity. */
  watcher?: TurnWatcher;
  /** The keys signed decisions are verified with (default: none; every signed decision is refused, saying why). */
  decisionTrust?: () => Promise<DecisionTrust | undefined>;
  /** Where waiting calls are notified (default: nowhere). */
  notifications?: () => NotificationConfig | undefined;
  /** Whether the worker's payloads are encrypted (known once the worker is configured). */
  encryptedPayloads?: () => boolean;
}

/** Every activity function, keyed by name. */
export function createActivities(dependencies: ActivityDependencies) {
  return {
    ...createInputActivities(dependencies.notifications ?? (() => undefined), dependencies.encryptedPayloads ?? (() => false)),
    ...createNotificationActivities(dependencies.notifications ?? (() => undefined)),
    ...createDecisionActivities(dependencies.decisionTrust ?? (async () => undefined)),
    ...createRunActivities(dependencies),
    ...createToolActivities(dependencies),
    ...createIngestionActivities(dependencies),
    ...createMigrationActivities(dependencies),
  };
}

/** The activity interface workflows proxy. */
export type AgentrunActivities = ReturnType<typeof createActivities>;
