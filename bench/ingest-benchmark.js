#!/usr/bin/env node
/*
 * Ingestion benchmark: one ingestion of many small files into one new vector store, end to end.
 *
 *   npm run build && node bench/ingest-benchmark.js [--files 10000] [--fail-every N] [options]
 *
 * Starts a Temporal dev server, the provider emulator (files processed in --processing-ms) and an
 * in-process worker, writes --files small files to a temporary folder, ingests them all with
 * IngestionClient, and reports: wall time and files/s; history events and bytes of the parent
 * workflow and of all its child workflows; provider requests by route; the vector store's final
 * file_counts; and peak memory. The worker, the emulator and the client all run in this process,
 * so the memory figures are of the three together. Writes the report as JSON to
 * bench/results/ingest-<UTC time>.json (or --out) and cleans everything up.
 *
 * Plain CommonJS on the build (dist/): benchmarks are not compiled. Not a test: it asserts nothing
 * about time, it prints numbers.
 */
'use strict';
const { cleanupStack, loadBuild } = require('../scripts/script-support');

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..');

const HELP = `usage: node bench/ingest-benchmark.js [options]   (after npm run build)

  --files N               files to ingest (default 10000)
  --fail-every N          every Nth file is named *.fail.* and fails processing (default 0: none)
  --file-bytes N          size of each file (default 256)
  --processing-ms N       emulator time per file in processing (default 50)
  --batch-size N          files per batch / child workflow (default 500)
  --parallel-batches N    batches in flight (default 2)
  --upload-concurrency N  uploads in flight per batch (default 8)
  --poll-interval DUR     how often the workflows poll the provider (default 250ms)
  --out FILE              where to write the JSON report (default bench/results/ingest-<time>.json)
  -h, --help              this text
`;

function options() {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '10000' },
      'fail-every': { type: 'string', default: '0' },
      'file-bytes': { type: 'string', default: '256' },
      'processing-ms': { type: 'string', default: '50' },
      'batch-size': { type: 'string', default: '500' },
      'parallel-batches': { type: 'string', default: '2' },
      'upload-concurrency': { type: 'string', default: '8' },
      'poll-interval': { type: 'string', default: '250ms' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const integer = (name, minimum) => {
    const value = Number(values[name]);
    if (!Number.isSafeInteger(value) || value < minimum) {
      console.error(`ingest-benchmark: --${name} must be a whole number >= ${minimum} (got "${values[name]}")`);
      process.exit(2);
    }
    return value;
  };
  return {
    files: integer('files', 1),
    failEvery: integer('fail-every', 0),
    fileBytes: integer('file-bytes', 1),
    processingMs: integer('processing-ms', 0),
    batchSize: integer('batch-size', 1),
    parallelBatches: integer('parallel-batches', 1),
    uploadConcurrency: integer('upload-concurrency', 1),
    pollInterval: values['poll-interval'],
    out: values.out,
  };
}

/** Peak memory of this process, sampled every 100 ms. */
function memorySampler() {
  const peak = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
  };
  sample();
  const baseline = { ...process.memoryUsage() };
  const timer = setInterval(sample, 100);
  return {
    baseline,
    peak,
    stop() {
      clearInterval(timer);
      sample();
    },
  };
}

/** `doc-00042.txt`, or `doc-00042.fail.txt` for every Nth file. */
function fileName(index, width, failEvery) {
  const number = String(index + 1).padStart(width, '0');
  return failEvery && (index + 1) % failEvery === 0 ? `doc-${number}.fail.txt` : `doc-${number}.txt`;
}

async function writeFiles(directory, settings) {
  const width = String(settings.files).length;
  const paths = [];
  let expectedFailures = 0;
  for (let index = 0; index < settings.files; index += 1) {
    const name = fileName(index, width, settings.failEvery);
    if (name.includes('.fail.')) expectedFailures += 1;
    const line = `Document ${index + 1} of the agentrun ingestion benchmark. `;
    const body = line.repeat(Math.ceil(settings.fileBytes / line.length)).slice(0, settings.fileBytes);
    const file = path.join(directory, name);
    await fs.promises.writeFile(file, body);
    paths.push(file);
  }
  return { paths, expectedFailures };
}

function toNumber(value) {
  if (value === undefined || value === null) return 0;
  return typeof value === 'number' ? value : Number(value.toString());
}

/**
 * Events and bytes of one workflow (every run of a continue-as-new chain) and, recursively, of the
 * child workflows it started. Bytes are the server's own `historySizeBytes`.
 */
async function measureWorkflow(client, workflowId) {
  const runs = [];
  const childIds = new Set();
  let runId;
  for (;;) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const info = description.raw.workflowExecutionInfo ?? {};
    const events = history.events ?? [];
    runs.push({ runId: description.runId, events: events.length, bytes: toNumber(info.historySizeBytes) });
    for (const event of events) {
      const started = event.childWorkflowExecutionStartedEventAttributes;
      if (started && started.workflowExecution && started.workflowExecution.workflowId) childIds.add(started.workflowExecution.workflowId);
    }
    const previous = events[0] && events[0].workflowExecutionStartedEventAttributes && events[0].workflowExecutionStartedEventAttributes.continuedExecutionRunId;
    if (!previous) break;
    runId = previous;
  }
  const children = [];
  for (const childId of childIds) children.push(await measureWorkflow(client, childId));
  return {
    workflowId,
    runs: runs.length,
    events: runs.reduce((sum, run) => sum + run.events, 0),
    bytes: runs.reduce((sum, run) => sum + run.bytes, 0),
    children,
  };
}

/** Every descendant of a measured workflow, flattened. */
function descendants(measured) {
  return measured.children.flatMap((child) => [child, ...descendants(child)]);
}

const megabytes = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const kilobytes = (bytes) => Math.round((bytes / 1024) * 10) / 10;

async function main() {
  const settings = options();
  const build = loadBuild('ingest-benchmark', ['dist/dev-server/dev-server', 'dist/emulator', 'dist/providers', 'dist/worker', 'dist/ingestion-client']);
  const { Runtime, DefaultLogger, NativeConnection } = require('@temporalio/worker');
  const { Client, Connection } = require('@temporalio/client');
  // Only warnings from the worker; no shutdown signals: this script stops everything in order.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const memory = memorySampler();

  const stack = cleanupStack();
  const stopAll = stack.stopAll;

  try {
    const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'agentrun-ingest-bench-'));
    stack.push('the temporary files', () => fs.promises.rm(directory, { recursive: true, force: true }));
    const writing = Date.now();
    const { paths, expectedFailures } = await writeFiles(directory, settings);
    console.log(`Wrote ${paths.length} files of ${settings.fileBytes} bytes to ${directory} in ${((Date.now() - writing) / 1000).toFixed(1)} s${expectedFailures ? ` (${expectedFailures} named *.fail.*)` : ''}`);

    const server = await build.startDevServer({ log: (line) => console.log(`  ${line}`) });
    stack.push('the Temporal dev server', () => server.stop());
    const emulator = await build.startEmulator({ fileProcessingMs: settings.processingMs, pollAfterMs: 0, stepDelayMs: 10, queuedDelayMs: 0 });
    stack.push('the emulator', () => emulator.close());

    const taskQueue = 'ingest-benchmark';
    const workerConnection = await NativeConnection.connect({ address: server.address });
    stack.push('the worker connection', () => workerConnection.close());
    const worker = await build.createAgentrunWorker({
      connection: workerConnection,
      namespace: server.namespace,
      taskQueue,
      provider: build.createOpenAIProvider({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 30_000 }),
      secrets: [emulator.apiKey],
      registerSearchAttributes: false,
      log: () => undefined,
    });
    const running = worker.run();
    stack.push('the worker', async () => {
      worker.shutdown();
      await running;
    });

    const connection = await Connection.connect({ address: server.address });
    stack.push('the client connection', () => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    const ingestion = new build.IngestionClient(client, { taskQueue });

    console.log(`Ingesting ${paths.length} files (batches of ${settings.batchSize}, ${settings.parallelBatches} in parallel, ${settings.uploadConcurrency} uploads at a time, ${settings.processingMs} ms processing per file) ...`);
    const started = Date.now();
    const { workflowId } = await ingestion.startIngestion({
      newVectorStore: { name: `benchmark ${paths.length} files` },
      documents: paths.map((file) => ({ path: file })),
      batchSize: settings.batchSize,
      parallelBatches: settings.parallelBatches,
      uploadConcurrency: settings.uploadConcurrency,
      pollInterval: settings.pollInterval,
      providerRetry: { initialInterval: '200ms', maximumInterval: '5s' },
    });
    const reporter = setInterval(() => {
      ingestion.progress(workflowId).then(
        (progress) => console.log(`  ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  uploaded ${progress.uploaded}, processing ${progress.processing}, completed ${progress.completed}, failed ${progress.failed} of ${progress.total}; batches ${progress.batchesDone}/${progress.batchesTotal}`),
        () => undefined,
      );
    }, 5_000);
    let result;
    try {
      result = await ingestion.result(workflowId);
    } finally {
      clearInterval(reporter);
    }
    const wallMs = Date.now() - started;
    memory.stop();

    const measured = await measureWorkflow(client, workflowId);
    const children = descendants(measured);
    const childEvents = children.reduce((sum, child) => sum + child.events, 0);
    const childBytes = children.reduce((sum, child) => sum + child.bytes, 0);
    const requests = emulator.stats().requests;
    const report = {
      benchmark: 'ingest',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0] ? os.cpus()[0].model : 'unknown', memoryMB: megabytes(os.totalmem()), node: process.version, platform: `${process.platform} ${os.release()}` },
      settings,
      workflowId,
      files: paths.length,
      wallSeconds: Math.round(wallMs / 100) / 10,
      filesPerSecond: Math.round((paths.length / (wallMs / 1000)) * 10) / 10,
      history: {
        parent: { events: measured.events, bytes: measured.bytes, runs: measured.runs },
        childWorkflows: children.length,
        children: {
          events: childEvents,
          bytes: childBytes,
          maxEvents: Math.max(0, ...children.map((child) => child.events)),
          maxBytes: Math.max(0, ...children.map((child) => child.bytes)),
        },
        total: { events: measured.events + childEvents, bytes: measured.bytes + childBytes },
        bytesSource: "the server's historySizeBytes (describe)",
      },
      providerRequests: { total: Object.values(requests).reduce((sum, count) => sum + count, 0), byRoute: requests },
      fileCounts: { in_progress: result.fileCounts.inProgress, completed: result.fileCounts.completed, failed: result.fileCounts.failed, cancelled: result.fileCounts.cancelled, total: result.fileCounts.total },
      result: { completed: result.completed, failed: result.failed, failuresOmitted: result.failuresOmitted, expectedFailures },
      memory: {
        note: 'the worker, the emulator and the client all run in the benchmark process: these figures are of the three together',
        baselineRssMB: megabytes(memory.baseline.rss),
        peakRssMB: megabytes(memory.peak.rss),
        peakHeapUsedMB: megabytes(memory.peak.heapUsed),
      },
    };

    const history = report.history;
    const routeWidth = Math.max(...Object.keys(requests).map((route) => route.length));
    console.log('');
    console.log(`Ingested ${report.files} files in ${report.wallSeconds} s: ${report.filesPerSecond} files/s (workflow ${workflowId})`);
    console.log(`  result       completed ${result.completed}, failed ${result.failed} (expected ${expectedFailures})${result.failuresOmitted ? `, ${result.failuresOmitted} failures not listed` : ''}`);
    const counts = report.fileCounts;
    console.log(`  file_counts  in_progress ${counts.in_progress}, completed ${counts.completed}, failed ${counts.failed}, cancelled ${counts.cancelled}, total ${counts.total}`);
    console.log(`  history      parent ${history.parent.events} events, ${kilobytes(history.parent.bytes)} KiB${history.parent.runs > 1 ? ` over ${history.parent.runs} runs` : ''}`);
    console.log(`               ${history.childWorkflows} child workflows: ${history.children.events} events, ${kilobytes(history.children.bytes)} KiB in all (largest ${history.children.maxEvents} events, ${kilobytes(history.children.maxBytes)} KiB)`);
    console.log(`               total ${history.total.events} events, ${kilobytes(history.total.bytes)} KiB (the server's historySizeBytes)`);
    console.log(`  requests     ${report.providerRequests.total} to the provider:`);
    for (const [route, count] of Object.entries(requests).sort((left, right) => right[1] - left[1])) console.log(`                 ${route.padEnd(routeWidth)}  ${count}`);
    console.log(`  memory       peak RSS ${report.memory.peakRssMB} MB, peak heap used ${report.memory.peakHeapUsedMB} MB (baseline RSS ${report.memory.baselineRssMB} MB)`);
    console.log(`               worker, emulator and client share this process: the figures are of the three together`);

    const out = settings.out ? path.resolve(settings.out) : path.join(root, 'bench', 'results', `ingest-${report.date.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}.json`);
    await fs.promises.mkdir(path.dirname(out), { recursive: true });
    await fs.promises.writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    const shown = path.relative(process.cwd(), out);
    console.log(`\nReport: ${shown.startsWith('..') ? out : shown}`);
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`ingest-benchmark: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
  },
);
