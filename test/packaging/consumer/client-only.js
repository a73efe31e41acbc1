// A client-only module of the service: starts runs through `agentrun` without loading the worker,
// the native bridge or a provider SDK, and reports what it loaded.
const started = process.hrtime.bigint();
const { AgentRunClient } = require('agentrun');
const loadMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
const modules = Object.keys(require.cache).length;

const FORBIDDEN = /[\\/](@temporalio[\\/](worker|core-bridge|plugin)|openai|@azure|webpack|@swc)[\\/]/;

function input(text) {
  const script = { steps: [{ tools: [{ name: 'shout', arguments: { text } }] }, { answer: 'done' }] };
  return { agent: { model: 'gpt-4o' }, thread: { messages: [{ role: 'user', content: 'Shout it' }] }, metadata: { emulator_script: JSON.stringify(script) }, wait: { mode: 'poll', pollInterval: 100 } };
}

(async () => {
  const taskQueue = process.env.AGENTRUN_TASK_QUEUE;
  const client = await AgentRunClient.connect({ taskQueue });
  const direct = await client.run(input('hello'));
  const parent = await client.client.workflow.start('parentWorkflow', { taskQueue, workflowId: `parent-${Date.now()}`, args: [input('child')] });
  const child = await parent.result();
  await client.close();
  const forbidden = Object.keys(require.cache).filter((file) => FORBIDDEN.test(file));
  const summary = (result) => ({ status: result.status, toolOutput: result.toolCalls[0]?.output });
  process.stdout.write(`${JSON.stringify({ modules, loadMs, forbidden, direct: summary(direct), child: summary(child) })}\n`);
})().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
