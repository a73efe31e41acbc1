import Long from 'long';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { startDevServer } from '../src/dev-server/dev-server';
import { AGENT_RUN_STATUS, AGENTRUN_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { connectTemporal, type TemporalTestContext } from './support/temporal';

describe('the suite Temporal dev server', () => {
  let temporal: TemporalTestContext;
  beforeAll(async () => {
    temporal = await connectTemporal('smoke');
  });
  afterAll(async () => temporal.close());

  it('executes a workflow with an activity and a search attribute', async () => {
    const worker = await Worker.create({
      connection: temporal.workerConnection,
      taskQueue: temporal.taskQueue,
      workflowsPath: require.resolve('./fixtures/workflows/smoke-workflow'),
      activities: { greet: async (name: string) => `hello, ${name}` },
    });
    const result = await worker.runUntil(
      temporal.client.workflow.execute('smokeWorkflow', { taskQueue: temporal.taskQueue, workflowId: `smoke-${Date.now()}`, args: ['agentrun'] }),
    );
    expect(result.greeting).toBe('hello, agentrun');
    const description = await temporal.client.workflow.getHandle(result.workflowId).describe();
    expect(description.typedSearchAttributes.get(AGENT_RUN_STATUS)).toBe('completed');
  });

  it('registered every agentrun search attribute', async () => {
    const response = await temporal.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of AGENTRUN_SEARCH_ATTRIBUTES) {
      expect(Object.keys(response.customAttributes ?? {})).toContain(key.name);
    }
  });
});

describe('startDevServer', () => {
  it('keeps state in a SQLite file across a restart, and stops cleanly', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-dev-'));
    const dbFilename = path.join(directory, 'temporal.sqlite');
    const first = await startDevServer({ dbFilename, log: () => undefined });
    let connection = await Connection.connect({ address: first.address });
    await connection.workflowService.registerNamespace({ namespace: 'persisted', workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
    await connection.close();
    await first.stop();
    expect(() => process.kill(first.pid, 0)).toThrow();

    const second = await startDevServer({ dbFilename, port: Number(first.address.split(':')[1]), log: () => undefined });
    try {
      connection = await Connection.connect({ address: second.address });
      const described = await connection.workflowService.describeNamespace({ namespace: 'persisted' });
      expect(described.namespaceInfo?.name).toBe('persisted');
      await connection.close();
    } finally {
      await second.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
