/**
 * Worker Versioning on the suite's real server: agentrun workers declare a Worker Deployment
 * version (`agentrun worker` from AGENTRUN_DEPLOYMENT_NAME / _BUILD_ID / _VERSIONING_BEHAVIOR, or
 * `workerDeploymentOptions()` in code), the deployment's current version is set through the
 * workflow service, and a run waiting for a person across a new build either stays on the build
 * that started it (PINNED) or moves to the new one at its next task (AUTO_UPGRADE).
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { AgentRunClient } from '../../src/client';
import { exampleTools } from '../../src/examples/example-tools';
import { createAgentService } from '../../src/providers';
import { toolDefinitions } from '../../src/tools/define-tool';
import { createAgentrunWorker } from '../../src/worker';
import { versioningFromEnvironment, workerDeploymentOptions, type AgentrunWorkerVersioning } from '../../src/worker-versioning';
import { eventually, startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { requireBuiltCli, spawnCli, type CliProcess } from '../cli/cli-process';

const bookingScript = { steps: [{ tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00' } }] }, { answer: 'Booked.' }] };
const { VersioningBehavior } = proto.api.enums.v1;

describe('Worker Versioning of agentrun workers (Worker Deployments)', () => {
  let harness: Harness;
  const workers: Array<{ worker: Worker; running: Promise<void> }> = [];
  let cliWorker: CliProcess | undefined;

  beforeAll(async () => {
    requireBuiltCli();
    harness = await startHarness('versioning', { tools: exampleTools, worker: false });
  });
  afterAll(async () => {
    if (cliWorker?.child.exitCode === null) cliWorker.child.kill('SIGKILL');
    for (const { worker, running } of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    }
    await harness?.close();
  });

  /** An in-process agentrun worker of one build, on `taskQueue`. */
  async function startBuild(taskQueue: string, versioning: AgentrunWorkerVersioning): Promise<void> {
    const worker = await createAgentrunWorker({
      connection: harness.temporal.workerConnection,
      taskQueue,
      tools: exampleTools,
      service: createAgentService(harness.providerConfig, { secrets: [harness.emulator.apiKey], defaultTools: toolDefinitions(exampleTools) }),
      secrets: [harness.emulator.apiKey],
      registerSearchAttributes: false,
      log: () => undefined,
      workerOptions: { workerDeploymentOptions: workerDeploymentOptions(versioning) },
    });
    workers.push({ worker, running: worker.run() });
  }

  /**
   * Makes `buildId` the deployment's current version (once the server has seen its pollers), and
   * waits until the routing has reached the task queues: until then tasks still go to the old one.
   */
  async function makeCurrent(deploymentName: string, buildId: string): Promise<void> {
    const service = harness.temporal.client.workflowService;
    await eventually(
      async () => {
        await service.setWorkerDeploymentCurrentVersion({ namespace: temporalNamespace(), deploymentName, buildId, identity: 'agentrun-test' });
        return true;
      },
      30_000,
      `${deploymentName}.${buildId} as the current version`,
    );
    await eventually(
      async () => {
        const { workerDeploymentInfo } = await service.describeWorkerDeployment({ namespace: temporalNamespace(), deploymentName });
        return (
          workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId === buildId &&
          workerDeploymentInfo.routingConfigUpdateState === proto.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED
        );
      },
      // The server propagates routing through workflows of its own: slow on a loaded machine.
      60_000,
      `the routing to ${deploymentName}.${buildId} propagated`,
    );
  }

  /** The run's versioning info as `describe` reports it. */
  async function versioningOf(workflowId: string) {
    const info = (await harness.temporal.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.versioningInfo;
    return { behavior: info?.behavior, deploymentName: info?.deploymentVersion?.deploymentName, buildId: info?.deploymentVersion?.buildId };
  }

  /** Starts a run that waits for an approval on `taskQueue`; resolves once it waits. */
  async function startWaitingRun(taskQueue: string): Promise<{ workflowId: string; toolCallId: string; handle: { result(): Promise<{ status: string }> } }> {
    const { workflowId, handle } = await new AgentRunClient(harness.temporal.client, { taskQueue }).start(harness.input(await harness.assistant(bookingScript)));
    const state = await waitingForApproval(harness.client, workflowId, 20_000);
    return { workflowId, toolCallId: state.pendingApprovals[0]!.toolCallId, handle };
  }

  it('agentrun worker reads AGENTRUN_DEPLOYMENT_NAME, AGENTRUN_BUILD_ID and AGENTRUN_VERSIONING_BEHAVIOR; a PINNED run stays on its build across a new current version', async () => {
    const taskQueue = `test-versioning-pinned-${randomUUID().slice(0, 8)}`;
    const deploymentName = `agentrun-pinned-${randomUUID().slice(0, 8)}`;
    cliWorker = spawnCli(['worker', '--tools', 'examples/tools.js', '--task-queue', taskQueue, '--log-level', 'warn'], {
      env: {
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: temporalNamespace(),
        AGENTRUN_PROVIDER: 'emulator',
        AGENTRUN_EMULATOR_URL: harness.emulator.url,
        AGENTRUN_EMULATOR_API_KEY: harness.emulator.apiKey,
        AGENTRUN_DEPLOYMENT_NAME: deploymentName,
        AGENTRUN_BUILD_ID: 'build-1',
        AGENTRUN_VERSIONING_BEHAVIOR: 'pinned',
      },
      timeoutMs: 110_000,
    });
    await cliWorker.waitForOutput(/agentrun worker: ready/, 30_000);
    expect(cliWorker.output().stdout).toContain(`agentrun worker: Worker Deployment ${deploymentName}, build build-1, PINNED`);
    await makeCurrent(deploymentName, 'build-1');

    const waiting = await startWaitingRun(taskQueue);
    expect(await versioningOf(waiting.workflowId)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, deploymentName, buildId: 'build-1' });

    // How an operator sees which runs still need build-1's workers (README, "Upgrades").
    const onBuild1 = `TemporalWorkerDeploymentVersion = '${deploymentName}:build-1' AND ExecutionStatus = 'Running'`;
    await eventually(async () => (await harness.temporal.client.workflow.count(onBuild1)).count === 1, 15_000, 'the run listed on build-1');

    // A new build becomes current while the run waits for its person.
    await startBuild(taskQueue, { deploymentName, buildId: 'build-2', defaultVersioningBehavior: 'PINNED' });
    await makeCurrent(deploymentName, 'build-2');
    await harness.client.approve(waiting.workflowId, { toolCallId: waiting.toolCallId, approver: 'alice' });
    expect((await waiting.handle.result()).status).toBe('completed');
    // Finished on the build that started it; new runs start on the new one.
    expect(await versioningOf(waiting.workflowId)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, deploymentName, buildId: 'build-1' });
    await eventually(async () => (await harness.temporal.client.workflow.count(onBuild1)).count === 0, 15_000, 'no run left on build-1');
    const next = await startWaitingRun(taskQueue);
    expect(await versioningOf(next.workflowId)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, deploymentName, buildId: 'build-2' });
    await harness.client.cancel(next.workflowId);

    cliWorker.child.kill('SIGINT');
    expect((await cliWorker.exited).exitCode).toBe(0);
  }, 120_000);

  it('an AUTO_UPGRADE run moves to the new current version at its next task', async () => {
    const taskQueue = `test-versioning-auto-${randomUUID().slice(0, 8)}`;
    const deploymentName = `agentrun-auto-${randomUUID().slice(0, 8)}`;
    await startBuild(taskQueue, { deploymentName, buildId: 'build-1', defaultVersioningBehavior: 'AUTO_UPGRADE' });
    await makeCurrent(deploymentName, 'build-1');
    const waiting = await startWaitingRun(taskQueue);
    expect(await versioningOf(waiting.workflowId)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, deploymentName, buildId: 'build-1' });

    await startBuild(taskQueue, { deploymentName, buildId: 'build-2', defaultVersioningBehavior: 'AUTO_UPGRADE' });
    await makeCurrent(deploymentName, 'build-2');
    await harness.client.approve(waiting.workflowId, { toolCallId: waiting.toolCallId, approver: 'alice' });
    expect((await waiting.handle.result()).status).toBe('completed');
    expect(await versioningOf(waiting.workflowId)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, deploymentName, buildId: 'build-2' });
  }, 120_000);

  it('reads the environment all or nothing, and refuses what the server would', () => {
    expect(versioningFromEnvironment({})).toBeUndefined();
    expect(versioningFromEnvironment({ AGENTRUN_DEPLOYMENT_NAME: 'support', AGENTRUN_BUILD_ID: 'abc123', AGENTRUN_VERSIONING_BEHAVIOR: 'auto-upgrade' })).toEqual({
      deploymentName: 'support',
      buildId: 'abc123',
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    });
    expect(() => versioningFromEnvironment({ AGENTRUN_BUILD_ID: 'abc123' })).toThrow('AGENTRUN_DEPLOYMENT_NAME and AGENTRUN_VERSIONING_BEHAVIOR are unset');
    expect(() => versioningFromEnvironment({ AGENTRUN_DEPLOYMENT_NAME: 'support', AGENTRUN_BUILD_ID: 'abc123', AGENTRUN_VERSIONING_BEHAVIOR: 'sticky' })).toThrow(
      'AGENTRUN_VERSIONING_BEHAVIOR must be PINNED or AUTO_UPGRADE, got "sticky"',
    );
    expect(workerDeploymentOptions({ deploymentName: 'support', buildId: 'abc123', defaultVersioningBehavior: 'PINNED' })).toEqual({
      version: { deploymentName: 'support', buildId: 'abc123' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
    expect(() => workerDeploymentOptions({ deploymentName: 'a.b', buildId: 'abc123', defaultVersioningBehavior: 'PINNED' })).toThrow('may not contain "."');
  });
});
