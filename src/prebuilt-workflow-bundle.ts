/**
 * The prebuilt bundle of agentrun's workflows (`npm run build` writes it beside the compiled
 * modules, see scripts/bundle-workflows.js): what a worker or a replay uses instead of running
 * webpack, when it fits the installed SDK.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the build puts the prebuilt bundle of agentrun's workflows, and what it was built with. */
const BUNDLE_FILE = 'workflow-bundle.js';
const BUNDLE_MANIFEST = 'workflow-bundle.json';

/**
 * The workflow bundle `npm run build` prebuilt (so a worker does not run webpack at every start),
 * when it exists beside this module and was built against the installed `@temporalio/workflow`
 * (the bundle carries the SDK's workflow runtime, which must match the worker's). Undefined
 * otherwise: the worker bundles the sources at start.
 */
export function prebuiltWorkflowBundle(): { workflowBundle: { codePath: string } } | undefined {
  const directory = __dirname;
  const codePath = path.join(directory, BUNDLE_FILE);
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(directory, BUNDLE_MANIFEST), 'utf8')) as { temporalWorkflowVersion?: string };
    const installed = (JSON.parse(fs.readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string }).version;
    if (manifest.temporalWorkflowVersion !== installed || !fs.existsSync(codePath)) return undefined;
    return { workflowBundle: { codePath } };
  } catch {
    return undefined;
  }
}

/**
 * How a worker (or a replay) gets agentrun's workflows: the prebuilt bundle when it fits (and
 * `prebuilt` allows it), else the workflows module, which the SDK bundles.
 */
export function agentrunWorkflows(prebuilt = true): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  return (prebuilt && prebuiltWorkflowBundle()) || { workflowsPath: require.resolve('./workflows') };
}
