/**
 * agentrun's input and decision schemas, loaded by a workflow only when it validates something.
 *
 * Why not plain imports: the SDK's reusable V8 context keeps module state per cached workflow, so
 * every module a workflow imports at load is evaluated once per waiting run, and zod (even Mini)
 * is most of what an agent run's modules weigh there. A `require` inside a function is evaluated
 * by webpack on its first call, so a run that never validates in its sandbox (new runs validate
 * their input in a local activity; a parked run has received no decision yet) never loads zod.
 * The modules required here must be the only way workflow code reaches zod: the workflow-bundle
 * test checks that loading the workflows loads no zod.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose, see above */

/** The agent run input's schema module (replaying runs that validated their input in the workflow). */
export function runInputSchemas(): typeof import('../shared/run-input') {
  return require('../shared/run-input');
}

/** The decision payload schemas (a decision arrived). */
export function decisionSchemas(): typeof import('../shared/decision-schemas') {
  return require('../shared/decision-schemas');
}

/** The ingestion workflows' input schemas. */
export function ingestionSchemas(): typeof import('../shared/ingestion-input') {
  return require('../shared/ingestion-input');
}

/** The thread migration workflow's input schema. */
export function migrationSchemas(): typeof import('../shared/migration-input') {
  return require('../shared/migration-input');
}
