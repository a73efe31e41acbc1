#!/usr/bin/env node
/*
 * Wait-modes benchmark: the same agent run (one tool round, then the answer; the model takes
 * --model-ms per step) on threads/runs and on the Responses API, waiting by poll, by stream and
 * (Responses) by webhook, side by side.
 *
 *   npm run build && node bench/wait-modes-benchmark.js [--runs 10] [--model-ms 2000] [--poll-after-ms 1000]
 *
 * Starts a Temporal dev server, the provider emulator (it sends `openai-poll-after-ms` like the real
 * services, and signed webhooks to agentrun's receiver) and one in-process worker per protocol, runs
 * --runs concurrent runs per mode (each run's model takes --model-ms to 1.5 x --model-ms per step),
 * and reports per run: history events, provider requests (all, and
 * reads of the run or response), and the completion notice delay: from the moment the final turn
 * ended at the provider to the moment the workflow closed with its answer. Writes the report as JSON
 * to bench/results/wait-modes-<UTC time>.json (or --out).
 *
 * Plain CommonJS on the build (dist/). Not a test: it asserts nothing about time, it prints numbers.
 */
'use strict';
const { cleanupStack, loadBuild } = require('../scripts/script-support');

const fs = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..');
const { startDevServer, startEmulator, createAgentrunWorker, createAgentService, AgentRunClient, startWebhookServer, OpenAIResponsesApi, defineTool } = loadBuild('wait-modes-benchmark', [
  'dist/dev-server/dev-server',
  'dist/emulator',
  'dist/index',
  'dist/worker-api',
]);
const { createOpenAIClient } = require('../dist/providers/openai-provider');
const { NativeConnection } = require('@temporalio/worker');
const { Connection, Client } = require('@temporalio/client');
const { z } = require('zod');

const HELP = `usage: node bench/wait-modes-benchmark.js [options]   (after npm run build)

  --runs N            concurrent runs per mode (default 10)
  --model-ms N        time the emulated model takes per step (default 2000)
  --poll-after-ms N   the emulator's openai-poll-after-ms hint (default 1000, as the services send)
  --poll-interval D   the workflows' poll interval when no hint is sent (default 1s)
  --out FILE          JSON report (default bench/results/wait-modes-<time>.json)
  -h, --help          this text
`;

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10' },
      'model-ms': { type: 'string', default: '2000' },
      'poll-after-ms': { type: 'string', default: '1000' },
      'poll-interval': { type: 'string', default: '1s' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const integer = (name) => {
    const value = Number(values[name]);
    if (!Number.isSafeInteger(value) || value < 0) {
      console.error(`wait-modes-benchmark: --${name} must be a whole number (got "${values[name]}")`);
      process.exit(2);
    }
    return value;
  };
  return { runs: Math.max(1, integer('runs')), modelMs: integer('model-ms'), pollAfterMs: integer('poll-after-ms'), pollInterval: values['poll-interval'], out: values.out };
}

const echo = defineTool({ name: 'echo', parameters: z.object({ text: z.string() }), idempotent: true, handler: ({ text }) => text });

const MODES = process.env.BENCH_MODES ? JSON.parse(process.env.BENCH_MODES) : [
  { protocol: 'threads-runs', wait: 'poll' },
  { protocol: 'threads-runs', wait: 'stream' },
  { protocol: 'responses', wait: 'poll' },
  { protocol: 'responses', wait: 'stream' },
  { protocol: 'responses', wait: 'webhook' },
];

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function sumRequests(requests) {
  return Object.values(requests).reduce((total, count) => total + count, 0);
}

function diffRequests(after, before) {
  return Object.fromEntries(Object.entries(after).map(([route, count]) => [route, count - (before[route] ?? 0)]).filter(([, count]) => count > 0));
}

async function main() {
  const settings = options();
  const stack = cleanupStack();
  try {
    console.log(`wait-modes benchmark: ${settings.runs} concurrent runs per mode, model ${settings.modelMs} ms per step, poll-after hint ${settings.pollAfterMs} ms`);
    const server = await startDevServer({ log: () => undefined });
    stack.push('Temporal dev server', () => server.stop());
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const emulator = await startEmulator({ stepDelayMs: settings.modelMs, queuedDelayMs: 20, pollAfterMs: settings.pollAfterMs, ...(process.env.BENCH_LOG ? { log: (line) => console.log(`${Date.now() % 100000} ${line}`) } : {}) });
    stack.push('emulator', () => emulator.close());
    const connection = await Connection.connect({ address: server.address });
    stack.push('client connection', () => connection.close());
    const temporal = new Client({ connection, namespace: server.namespace });
    const workerConnection = await NativeConnection.connect({ address: server.address });
    stack.push('worker connection', () => workerConnection.close());

    const threadsConfig = { kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 30_000 };
    const responsesConfig = { kind: 'emulator-responses', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 30_000 };
    const receiver = await startWebhookServer({ temporal, webhookSecret: secret, responses: new OpenAIResponsesApi('emulator-responses', emulator.openaiBaseUrl, createOpenAIClient(responsesConfig)) });
    stack.push('webhook receiver', () => receiver.close());

    // Each run's model takes --model-ms to 1.5 x --model-ms per step (seeded, the same for every
    // mode): with one fixed time, polls would fall in step with the model and hide the poll delay.
    let seed = 7;
    const jitter = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.round(settings.modelMs * (1 + (seed / 2_147_483_648) * 0.5));
    };
    const scripts = Array.from({ length: settings.runs }, () => JSON.stringify({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'benchmark' } }], delay_ms: jitter() }, { answer: 'done', delay_ms: jitter() }] }));
    const assistantOf = await createOpenAIClient(threadsConfig).beta.assistants.create({ model: 'gpt-4o' });
    const report = { settings, modes: [] };

    for (const mode of MODES) {
      const taskQueue = `bench-${mode.protocol}-${mode.wait}-${randomBytes(3).toString('hex')}`;
      const config = mode.protocol === 'responses' ? responsesConfig : threadsConfig;
      const worker = await createAgentrunWorker({ connection: workerConnection, namespace: server.namespace, taskQueue, tools: [echo], service: createAgentService(config, { secrets: [emulator.apiKey], defaultTools: [] }), registerSearchAttributes: false, log: () => undefined });
      const running = worker.run();
      const client = new AgentRunClient(temporal, { taskQueue });
      const base = {
        thread: { messages: [{ role: 'user', content: 'Benchmark' }] },
        wait: { mode: mode.wait, pollInterval: settings.pollInterval, ...(mode.wait === 'webhook' ? { safetyPollInterval: '5 minutes' } : {}) },
      };
      const inputOf = (index) => ({ ...base, ...(mode.protocol === 'responses' ? { agent: { model: 'gpt-4o' } } : { assistantId: assistantOf.id }), metadata: { emulator_script: scripts[index] } });
      // Webhooks only for the mode that waits for them: in the others the receiver's reads would count.
      emulator.setWebhooks(mode.wait === 'webhook' ? { url: receiver.webhookUrl, secret } : undefined);
      const before = emulator.stats();
      const started = Date.now();
      const handles = await Promise.all(Array.from({ length: settings.runs }, (_, index) => client.start(inputOf(index))));
      const results = await Promise.all(handles.map(({ handle }) => handle.result()));
      const wallMs = Date.now() - started;
      const after = emulator.stats();
      worker.shutdown();
      await running;

      const requests = diffRequests(after.requests, before.requests);
      const readRoute = mode.protocol === 'responses' ? 'GET /responses/{response_id}' : 'GET /threads/{thread_id}/runs/{run_id}';
      const events = [];
      const noticeMs = [];
      for (const [index, { handle }] of handles.entries()) {
        const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
        events.push(history.events.length);
        const finalTurn = results[index].runIds.at(-1);
        const entry = mode.protocol === 'responses' ? after.responsesCreated.find((candidate) => candidate.id === finalTurn) : after.runsCreated.find((candidate) => candidate.id === finalTurn);
        if (entry && description.closeTime) noticeMs.push(description.closeTime.getTime() - entry.status_changed_at_ms);
      }
      const row = {
        protocol: mode.protocol,
        wait: mode.wait,
        completed: results.filter((result) => result.status === 'completed').length,
        wallMs,
        historyEventsPerRun: percentile(events, 50),
        providerRequestsPerRun: Number((sumRequests(requests) / settings.runs).toFixed(1)),
        statusReadsPerRun: Number(((requests[readRoute] ?? 0) / settings.runs).toFixed(1)),
        noticeDelayMs: { p50: percentile(noticeMs, 50), p90: percentile(noticeMs, 90), max: percentile(noticeMs, 100) },
        requests,
      };
      report.modes.push(row);
      console.log(
        `  ${`${mode.protocol} ${mode.wait}`.padEnd(20)} ${row.completed}/${settings.runs} completed in ${(wallMs / 1000).toFixed(1)} s; ` +
          `history ${row.historyEventsPerRun} events/run; provider requests ${row.providerRequestsPerRun}/run (status reads ${row.statusReadsPerRun}); ` +
          `completion noticed after p50 ${row.noticeDelayMs.p50} ms, p90 ${row.noticeDelayMs.p90} ms`,
      );
    }
    report.webhookReceiver = receiver.receiver.stats();
    const out = settings.out ?? path.join(root, 'bench', 'results', `wait-modes-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report: ${path.relative(process.cwd(), out)}`);
  } finally {
    await stack.stopAll();
  }
}

main().catch((error) => {
  console.error(`wait-modes-benchmark: ${error.stack ?? error}`);
  process.exit(1);
});
