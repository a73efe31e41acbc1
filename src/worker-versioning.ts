/**
 * Worker Versioning for agentrun's workers: a worker declares the Worker Deployment version it
 * runs (a deployment name and a build id), and the server routes each workflow's tasks to the
 * right version. Runs wait days for people, so which version a waiting run continues on is the
 * upgrade question (README, "Upgrades"):
 * - `PINNED`: a run stays on the build that started it; that build's workers must keep running
 *   until its runs end. No replay across versions ever happens.
 * - `AUTO_UPGRADE`: a run moves to the deployment's current version at its next workflow task;
 *   the new code must replay every waiting run's history (`agentrun replay` checks it).
 */
import type { WorkerOptions } from '@temporalio/worker';

type WorkerDeploymentOptions = NonNullable<WorkerOptions['workerDeploymentOptions']>;

/** The versioning behaviours a worker can give the workflows it runs. */
export const VERSIONING_BEHAVIORS = ['PINNED', 'AUTO_UPGRADE'] as const;

/** Worker Versioning of one agentrun worker. */
export interface AgentrunWorkerVersioning {
  /** The Worker Deployment: one name for all builds of this worker (e.g. `agentrun-support`). */
  deploymentName: string;
  /** This build, unique per deployed code (e.g. a git sha or the release, `0.3.0`). */
  buildId: string;
  /** How the runs this worker starts move between builds (see the module comment). */
  defaultVersioningBehavior: (typeof VERSIONING_BEHAVIORS)[number];
}

/**
 * The SDK's `workerDeploymentOptions` for `versioning`, to pass in
 * `createAgentrunWorker({ workerOptions: { workerDeploymentOptions } })`. Throws, naming the
 * field, when a name or build id is empty or contains a `.` (the server joins them as
 * `deploymentName.buildId`, so a dot in the name is refused).
 */
export function workerDeploymentOptions(versioning: AgentrunWorkerVersioning): WorkerDeploymentOptions {
  const deploymentName = versioning.deploymentName.trim();
  const buildId = versioning.buildId.trim();
  if (!deploymentName) throw new Error('Worker Versioning: the deployment name is empty');
  if (deploymentName.includes('.')) throw new Error(`Worker Versioning: the deployment name "${deploymentName}" may not contain "." (the server writes a version as NAME.BUILD_ID)`);
  if (!buildId) throw new Error(`Worker Versioning: the build id of deployment "${deploymentName}" is empty`);
  if (!VERSIONING_BEHAVIORS.includes(versioning.defaultVersioningBehavior)) {
    throw new Error(`Worker Versioning: the versioning behavior must be ${VERSIONING_BEHAVIORS.join(' or ')}, got "${String(versioning.defaultVersioningBehavior)}"`);
  }
  return { version: { deploymentName, buildId }, useWorkerVersioning: true, defaultVersioningBehavior: versioning.defaultVersioningBehavior };
}

/** The environment variables `agentrun worker` reads for Worker Versioning. */
export const VERSIONING_ENVIRONMENT = {
  deploymentName: 'AGENTRUN_DEPLOYMENT_NAME',
  buildId: 'AGENTRUN_BUILD_ID',
  behavior: 'AGENTRUN_VERSIONING_BEHAVIOR',
} as const;

/**
 * Worker Versioning from `AGENTRUN_DEPLOYMENT_NAME`, `AGENTRUN_BUILD_ID` and
 * `AGENTRUN_VERSIONING_BEHAVIOR` (`PINNED` or `AUTO_UPGRADE`, any case): undefined when none is
 * set (an unversioned worker). Throws, naming the missing variable, when only some are: the
 * behaviour decides what an upgrade does to waiting runs, so it is never guessed.
 */
export function versioningFromEnvironment(environment: NodeJS.ProcessEnv = process.env): AgentrunWorkerVersioning | undefined {
  const deploymentName = environment[VERSIONING_ENVIRONMENT.deploymentName]?.trim() ?? '';
  const buildId = environment[VERSIONING_ENVIRONMENT.buildId]?.trim() ?? '';
  const behavior = environment[VERSIONING_ENVIRONMENT.behavior]?.trim().toUpperCase().replace(/-/g, '_') ?? '';
  if (!deploymentName && !buildId && !behavior) return undefined;
  const missing = Object.entries({ deploymentName, buildId, behavior })
    .filter(([, value]) => !value)
    .map(([key]) => VERSIONING_ENVIRONMENT[key as keyof typeof VERSIONING_ENVIRONMENT]);
  if (missing.length) {
    throw new Error(
      `Worker Versioning needs ${Object.values(VERSIONING_ENVIRONMENT).join(', ')} together; ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} unset. ` +
        `${VERSIONING_ENVIRONMENT.behavior}=PINNED keeps each run on the build that started it (keep that build's workers until its runs end); ` +
        'AUTO_UPGRADE moves waiting runs to the new build (every change must replay: agentrun replay). Unset all three for an unversioned worker.',
    );
  }
  if (!(VERSIONING_BEHAVIORS as readonly string[]).includes(behavior)) {
    throw new Error(`${VERSIONING_ENVIRONMENT.behavior} must be ${VERSIONING_BEHAVIORS.join(' or ')}, got "${environment[VERSIONING_ENVIRONMENT.behavior]}"`);
  }
  return { deploymentName, buildId, defaultVersioningBehavior: behavior as AgentrunWorkerVersioning['defaultVersioningBehavior'] };
}
