/**
 * A workflow's input checked outside its sandbox, as a local activity: the schemas and zod then
 * stay out of the workflow's per-run module state (see src/workflows/lazy-schemas.ts). The
 * answer is recorded in history, so a run replays with the input it validated even after the
 * schema changes (a new default, a new check).
 */
import { agentRunInputSchema, type ValidatedAgentRunInput } from '../shared/run-input';
import { checkInput, type InputCheck } from '../shared/schema-issues';
import type { NotificationConfig } from '../notifications/approval-notifications';

/**
 * What the worker that checks a run's input offers it, recorded with the answer: a run keeps what
 * it started with, and replays the same whichever worker replays it.
 */
export interface WorkerOffer {
  /** Waiting calls are notified (the worker has endpoints), with a reminder this long before the provider run expires. */
  notifications?: { reminderBeforeMs: number };
  /**
   * The worker encrypts payloads: the run keeps identities out of its search attributes too (they
   * are never encrypted), so the last approver is not one.
   */
  encryptedPayloads?: true;
}

export function createInputActivities(notifications: () => NotificationConfig | undefined, encryptedPayloads: () => boolean) {
  return {
    /** The agent run workflow's input, validated. Never throws for bad input: the workflow fails with the answer. */
    async checkAgentRunInput(raw: unknown): Promise<InputCheck<ValidatedAgentRunInput> & { offer?: WorkerOffer }> {
      const config = notifications();
      const offer: WorkerOffer = { ...(config ? { notifications: { reminderBeforeMs: config.reminderBeforeMs } } : {}), ...(encryptedPayloads() ? { encryptedPayloads: true as const } : {}) };
      return { ...checkInput(agentRunInputSchema(), raw), ...(Object.keys(offer).length ? { offer } : {}) };
    },
  };
}
