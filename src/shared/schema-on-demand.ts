/**
 * Schemas built when used. agentrun's input and message schemas are zod Mini (`zod/v4/mini`):
 * the workflow bundle evaluates every module a workflow imports once per cached workflow (the
 * SDK's reusable V8 context keeps module state per workflow), and zod's classic API cost about
 * 600 KiB per parked run there (measured with 400 parked workflows). Mini is smaller but not
 * free: its core classes still cost about 0.5 MiB per workflow that loads it (heap snapshots of
 * 300 parked runs: 0.77 MiB each with Mini loaded, 0.24 MiB without), hence lazy-schemas.ts.
 * The schemas themselves cost about 1 MiB more per workflow when built at module load, so they
 * are built on demand: outside workflows once per process, inside a workflow at each use (a
 * decision's schema once per decision, the input only when replaying runs that checked it in the
 * workflow) and then let go. Workflows reach these modules only through
 * src/workflows/lazy-schemas.ts, so a run that validates nothing in its sandbox loads no zod.
 */
import { inWorkflowContext } from '@temporalio/workflow';
import { z } from 'zod/v4/mini';
// zod 3.25's Mini has no `z.locales`; both versions export them here.
import { en as englishMessages } from 'zod/v4/locales';

// zod 3.25's `zod/v4` sets its English messages in a module that a bundler honouring zod's
// `sideEffects: false` leaves out, as Temporal's workflow bundle does: every issue in the workflow
// would read "Invalid input". zod 4 now sets them on first use; do the same here (every schema
// module imports this one), and only when no locale is set, so a caller's own `z.config` wins.
if (!z.config().localeError) z.config(englishMessages());

/** `build`'s schema: kept after the first call, except inside a workflow, where each call builds it. */
export function schemaOnDemand<Schema>(build: () => Schema): () => Schema {
  let kept: Schema | undefined;
  return () => {
    if (inWorkflowContext()) return build();
    return (kept ??= build());
  };
}

/**
 * zod's `superRefine` as a Mini check (zod 3.25's Mini has no `superRefine`): `inspect` reports
 * each problem with a message and a path relative to the checked value.
 */
export function checkWith<T>(inspect: (value: T, report: (message: string, path?: PropertyKey[]) => void) => void) {
  return z.check<T>((payload) => inspect(payload.value, (message, path = []) => payload.issues.push({ code: 'custom', message, input: payload.value, path })));
}

/** Text with Mini checks (`text(z.maxLength(64))`): the classic `z.string().max(64)`. */
export const text = (...checks: Parameters<ReturnType<typeof z.string>['check']>) => z.string().check(...checks);
/** Text of at least one character, with `message` when empty. */
export const nonEmpty = (message?: string) => text(z.minLength(1, message));
/** An integer with Mini checks (`integer(z.gte(1))`): the classic `z.number().int().min(1)`. */
export const integer = (...checks: Parameters<ReturnType<typeof z.number>['check']>) => z.number().check(z.int(), ...checks);
