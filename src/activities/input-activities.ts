/**
 * A workflow's input checked outside its sandbox, as a local activity: the schemas and zod then
 * stay out of the workflow's per-run module state (see src/workflows/lazy-schemas.ts). The
 * answer is recorded in history, so a run replays with the input it validated even after the
 * schema changes (a new default, a new check).
 */
import { agentRunInputSchema, type ValidatedAgentRunInput } from '../shared/run-input';
import { checkInput, type InputCheck } from '../shared/schema-issues';

export function createInputActivities() {
  return {
    /** The agent run workflow's input, validated. Never throws for bad input: the workflow fails with the answer. */
    async checkAgentRunInput(raw: unknown): Promise<InputCheck<ValidatedAgentRunInput>> {
      return checkInput(agentRunInputSchema(), raw);
    },
  };
}
