/**
 * Search attributes as configuration, on the suite's real Temporal server (SQLite visibility, the
 * same per-namespace column limits as PostgreSQL and MySQL), each case in a namespace of its own:
 * a prefix, families left out, the column limits next to a user's own attributes, and the commands
 * an operator is given when the server refuses.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import Long from 'long';
import { z } from 'zod';
import { AgentRunClient, explainStartFailure } from '../src/client';
import { startEmulator, type RunningEmulator } from '../src/emulator';
import { IngestionClient } from '../src/ingestion-client';
import { createAgentService, createOpenAIClient } from '../src/providers';
import { searchAttributeConfigFromEnvironment, SearchAttributeConfigError } from '../src/search-attribute-config';
import { defineTool } from '../src/tools/define-tool';
import { createAgentrunWorker, ensureSearchAttributes } from '../src/worker';
import { eventually, waitingForApproval } from './support/agentrun-harness';
import { temporalAddress } from './support/temporal';

describe('search attributes as configuration', () => {
  let connection: Connection;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    emulator = await startEmulator({ stepDelayMs: 30, queuedDelayMs: 5, pollAfterMs: 0 });
  });
  afterAll(async () => {
    await emulator?.close();
    await connection?.close();
  });

  async function freshNamespace(label: string): Promise<string> {
    const namespace = `sa-${label}-${randomUUID().slice(0, 8)}`;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
    return namespace;
  }

  /** The agentrun attributes a workflow carries (not the system's own: BuildIds, TemporalChangeVersion). */
  async function agentrunAttributesOf(handle: { describe(): Promise<{ typedSearchAttributes: { getAll(): Array<{ key: { name: string } }> } }> }): Promise<string[]> {
    return (await handle.describe()).typedSearchAttributes
      .getAll()
      .map((pair) => pair.key.name)
      .filter((name) => /^(Acme)?(AgentRun|Ingestion)/.test(name))
      .sort();
  }

  async function customAttributes(namespace: string): Promise<Record<string, number>> {
    return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  }

  /** A worker of agentrun in `namespace` with `options`, and what it takes to stop it. */
  async function startWorker(namespace: string, taskQueue: string, options: Parameters<typeof createAgentrunWorker>[0]): Promise<{ worker: Worker; stop(): Promise<void> }> {
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
    const config = { kind: 'emulator' as const, baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 };
    const tools = [defineTool({ name: 'refund', description: 'refunds an order', parameters: z.object({ order: z.string() }), policy: 'approval', handler: async () => 'refunded' })];
    const worker = await createAgentrunWorker({
      connection: nativeConnection,
      namespace,
      taskQueue,
      tools,
      service: createAgentService(config, { secrets: [emulator.apiKey] }),
      secrets: [emulator.apiKey],
      encryptionKeys: () => [],
      tracing: false,
      log: () => undefined,
      ...options,
    });
    const running = worker.run();
    return {
      worker,
      stop: async () => {
        worker.shutdown();
        await running;
        await nativeConnection.close();
      },
    };
  }

  async function assistantAskingForRefund(): Promise<string> {
    const openai = createOpenAIClient({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 });
    const script = { steps: [{ tools: [{ name: 'refund', arguments: { order: 'A-1' } }] }, { answer: 'Refunded.' }] };
    return (await openai.beta.assistants.create({ model: 'gpt-4o', metadata: { emulator_script: JSON.stringify(script) } })).id;
  }

  it('with a prefix, registers and keeps the prefixed names, and finds waiting runs by them', async () => {
    const namespace = await freshNamespace('prefix');
    const taskQueue = `sa-prefix-${randomUUID().slice(0, 8)}`;
    // A user's own attribute of the same name and another type would clash without the prefix.
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { AgentRunStatus: 1 } }); // Text
    await expect(ensureSearchAttributes(connection, namespace, () => undefined, { families: ['runs'], prefix: '' })).rejects.toThrow(
      /already has a search attribute AgentRunStatus of another type than agentrun's Keyword\. Give agentrun's attributes a prefix \(AGENTRUN_SEARCH_ATTRIBUTE_PREFIX=Acme/,
    );

    const { stop } = await startWorker(namespace, taskQueue, { searchAttributes: { prefix: 'Acme' } });
    try {
      const registered = await customAttributes(namespace);
      expect(Object.keys(registered).sort()).toEqual(
        ['AcmeAgentRunAssistantId', 'AcmeAgentRunLastApprover', 'AcmeAgentRunPendingApprovals', 'AcmeAgentRunRunId', 'AcmeAgentRunStatus', 'AcmeAgentRunThreadId', 'AcmeIngestionFilesDone', 'AcmeIngestionFilesFailed', 'AcmeIngestionVectorStoreId', 'AgentRunStatus'].sort(),
      );
      const client = new AgentRunClient(new Client({ connection, namespace }), { taskQueue, searchAttributes: { prefix: 'Acme' } });
      const { workflowId, handle } = await eventually(
        async () => client.start({ assistantId: await assistantAskingForRefund(), thread: { messages: [{ role: 'user', content: 'Refund A-1' }] }, wait: { mode: 'poll', pollInterval: 50 } }).catch(() => undefined),
        20_000,
        'the new namespace to accept workflows',
      );
      await waitingForApproval(client, workflowId);
      // Visibility finds it by the prefixed names.
      const waiting = await eventually(async () => (await client.listAwaitingApproval()).find((listing) => listing.workflowId === workflowId), 15_000, 'the run among those waiting');
      expect(waiting).toMatchObject({ phase: 'waiting_for_approval', pendingApprovals: 1, threadId: expect.stringMatching(/^thread_/) });
      expect(await agentrunAttributesOf(handle)).toEqual(['AcmeAgentRunAssistantId', 'AcmeAgentRunPendingApprovals', 'AcmeAgentRunRunId', 'AcmeAgentRunStatus', 'AcmeAgentRunThreadId']);
      // The run carries its setting in its input: it keeps these names whatever the deployment says later.
      const history = await handle.fetchHistory();
      const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
      expect(JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8'))).toMatchObject({ searchAttributes: { prefix: 'Acme' } });

      await client.approve(workflowId, { toolCallId: (await client.status(workflowId)).pendingApprovals[0]!.toolCallId, approver: 'carol' });
      expect((await handle.result()).status).toBe('completed');
      expect(await agentrunAttributesOf(handle)).toContain('AcmeAgentRunLastApprover');
    } finally {
      await stop();
    }
  });

  it('keeps only the families configured: runs only, then none, with nothing registered that is not used', async () => {
    const namespace = await freshNamespace('families');
    const taskQueue = `sa-families-${randomUUID().slice(0, 8)}`;
    const { stop } = await startWorker(namespace, taskQueue, { searchAttributes: { families: ['runs'] } });
    try {
      expect(Object.keys(await customAttributes(namespace)).sort()).toEqual(['AgentRunAssistantId', 'AgentRunLastApprover', 'AgentRunPendingApprovals', 'AgentRunRunId', 'AgentRunStatus', 'AgentRunThreadId']);
      // An ingestion step keeps no attribute (none is registered for it): it completes all the same.
      const ingestion = new IngestionClient(new Client({ connection, namespace }), { taskQueue, searchAttributes: { families: ['runs'] } });
      const started = await eventually(async () => ingestion.startCreateVectorStore({ name: 'handbook', pollInterval: '100ms' }).catch(() => undefined), 20_000, 'the new namespace to accept workflows');
      const store = await started.handle.result();
      expect(store.id).toMatch(/^vs_/);
      expect(await agentrunAttributesOf(started.handle)).toEqual([]);

      // A deployment that keeps none: runs start and finish without any, and listing waiting runs says why it cannot.
      const client = new AgentRunClient(new Client({ connection, namespace }), { taskQueue, searchAttributes: { families: [] } });
      const { workflowId, handle } = await client.start({ assistantId: await assistantAskingForRefund(), thread: { messages: [{ role: 'user', content: 'Refund A-1' }] }, wait: { mode: 'poll', pollInterval: 50 } });
      await waitingForApproval(client, workflowId);
      expect(await agentrunAttributesOf(handle)).toEqual([]);
      await expect(client.listAwaitingApproval()).rejects.toThrow(/keeps no run search attributes \(AGENTRUN_SEARCH_ATTRIBUTES=none\)/);
      await client.approve(workflowId, { toolCallId: (await client.status(workflowId)).pendingApprovals[0]!.toolCallId, approver: 'carol' });
      expect((await handle.result()).status).toBe('completed');
    } finally {
      await stop();
    }
  });

  it("says whose attributes take SQL visibility's columns before registering past them", async () => {
    const namespace = await freshNamespace('columns');
    // The namespace's own Int attributes take two of its three Int columns.
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { OrderTotal: 3, RetryCount: 3 } });
    const error = await ensureSearchAttributes(connection, namespace).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/has 3 Int columns per namespace, 2 are taken \((OrderTotal, RetryCount|RetryCount, OrderTotal)\) and agentrun needs 3 more \(AgentRunPendingApprovals, IngestionFilesDone, IngestionFilesFailed\)/);
    expect((error as Error).message).toContain('AGENTRUN_SEARCH_ATTRIBUTES=runs takes 1 Int');
    // Nothing was registered half-way.
    expect(Object.keys(await customAttributes(namespace)).sort()).toEqual(['OrderTotal', 'RetryCount']);
    // The run family alone fits.
    await ensureSearchAttributes(connection, namespace, () => undefined, { families: ['runs'], prefix: '' });
    expect(await customAttributes(namespace)).toMatchObject({ AgentRunPendingApprovals: 3, AgentRunStatus: 2 });
  });

  it('gives the self-hosted and the Temporal Cloud commands when the server refuses to register', async () => {
    const namespace = await freshNamespace('refused');
    const refusing = {
      workflowService: connection.workflowService,
      operatorService: {
        listSearchAttributes: connection.operatorService.listSearchAttributes.bind(connection.operatorService),
        addSearchAttributes: async () => {
          throw new Error('7 PERMISSION_DENIED: Request unauthorized.');
        },
      },
    } as unknown as Connection;
    const error = (await ensureSearchAttributes(refusing, namespace, () => undefined, { families: ['runs'], prefix: 'Acme' }).catch((caught: Error) => caught)) as Error;
    expect(error.message).toContain('registering them failed (7 PERMISSION_DENIED: Request unauthorized.)');
    expect(error.message).toContain(`temporal operator search-attribute create --namespace ${namespace} --name AcmeAgentRunStatus --type Keyword`);
    expect(error.message).toContain(`tcld namespace search-attributes add --namespace ${namespace} --search-attribute "AcmeAgentRunStatus=Keyword"`);
    expect(error.message).toContain('--search-attribute "AcmeAgentRunPendingApprovals=Int"');
    // A client starting a run where they are missing gets the same commands, for its own configuration.
    const explained = explainStartFailure(new Error('INVALID_ARGUMENT: search attribute AgentRunStatus is not defined'), 'prod', { families: ['runs'], prefix: '' }) as Error;
    expect(explained.message).toContain('tcld namespace search-attributes add --namespace prod --search-attribute "AgentRunStatus=Keyword"');
    expect(explained.message).not.toContain('Ingestion');
  });

  it('reads the configuration from the environment, naming the variable of a bad value', () => {
    expect(searchAttributeConfigFromEnvironment({})).toEqual({ families: ['runs', 'ingestion'], prefix: '' });
    expect(searchAttributeConfigFromEnvironment({ AGENTRUN_SEARCH_ATTRIBUTES: 'none' })).toEqual({ families: [], prefix: '' });
    expect(searchAttributeConfigFromEnvironment({ AGENTRUN_SEARCH_ATTRIBUTES: 'runs', AGENTRUN_SEARCH_ATTRIBUTE_PREFIX: 'Acme' })).toEqual({ families: ['runs'], prefix: 'Acme' });
    expect(() => searchAttributeConfigFromEnvironment({ AGENTRUN_SEARCH_ATTRIBUTES: 'runs,billing' })).toThrow(new SearchAttributeConfigError('AGENTRUN_SEARCH_ATTRIBUTES: unknown family "billing"; use all, none, or some of runs, ingestion'));
    expect(() => searchAttributeConfigFromEnvironment({ AGENTRUN_SEARCH_ATTRIBUTE_PREFIX: '9lives' })).toThrow(/^AGENTRUN_SEARCH_ATTRIBUTE_PREFIX: "9lives" is not a usable prefix: start with a letter/);
  });
});
