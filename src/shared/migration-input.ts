/** The thread migration workflow's input (zod Mini; built on demand, see schema-on-demand.ts). */
import { z } from 'zod/v4/mini';
import { schemaOnDemand } from './schema-on-demand';

const buildMigrateThreadInputSchema = () =>
  z.strictObject({
    threadId: z.string({ error: 'threadId is required: the classic thread to copy' }).check(z.minLength(1)),
    /** Metadata of the new conversation (agentrun adds `agentrun_workflow_id` and `agentrun_migrated_from`). */
    metadata: z.optional(
      z
        .record(z.string().check(z.minLength(1), z.maxLength(64)), z.string().check(z.maxLength(512)))
        .check(z.refine((metadata) => Object.keys(metadata).length <= 14, { message: 'at most 14 metadata pairs: agentrun adds 2' })),
    ),
  });

/** The migration workflow's input schema (zod Mini; built on demand, see schema-on-demand.ts). */
export const migrateThreadInputSchema = schemaOnDemand(buildMigrateThreadInputSchema);

/** The input as a caller writes it. */
export type MigrateThreadInput = z.input<ReturnType<typeof buildMigrateThreadInputSchema>>;
