// The service's own worker: its workflows module, and agentrun's activities and tools through AgentrunPlugin.
const { NativeConnection, Worker } = require('@temporalio/worker');
const { AgentrunPlugin, defineTool } = require('agentrun/worker');
const { z } = require('zod');

const shout = defineTool({ name: 'shout', parameters: z.object({ text: z.string() }), handler: ({ text }) => text.toUpperCase() });

(async () => {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE,
    taskQueue: process.env.AGENTRUN_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows.js'),
    plugins: [new AgentrunPlugin({ tools: [shout], log: () => undefined })],
  });
  process.stdout.write('worker ready\n');
  await worker.run();
})().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
process.once('SIGTERM', () => process.exit(0));
