#!/usr/bin/env node
/*
 * Scale benchmark: many concurrent agent runs on one worker, side by side with the bare SDK loop.
 *
 *   npm run bench -- [--sizes 100,1000] [--parked 1000] [--run-s 30] [--settle-s 5] [--only agentrun-poll,...]
 *                    [--worker-flags="--max-cached-workflows 100"]
 *
 * Everything runs in its own process, so each is measured alone: a Temporal dev server, the
 * provider emulator (`agentrun emulator`), and per scenario either an `agentrun worker` as shipped
 * (default flags, default workflow input) or the SDK loop (bench/sdk-loop.js). Runs are of staggered
 * lengths (uniform between 0.5x and 1.5x --run-s, seeded), started at once, so that no poller is
 * flattered by falling in step with the model.
 *
 * Scenarios:
 *   agentrun-poll       agentrun worker, threads/runs, default input (poll every 1 s), the watcher
 *   agentrun-stream     agentrun worker, Responses API, wait.mode stream, the watcher
 *   agentrun-no-watcher agentrun worker --no-watcher --max-activities N+50: each wait holds a slot and
 *                       heartbeats every second, as in 0.2 (the history is 0.3's: the wait is still watchRun)
 *   sdk-default         openai-node createAndRunPoll, default interval (5 s when the provider sends no hint)
 *   sdk-1s              openai-node createAndRunPoll, pollIntervalMs 1000
 *   parked              agentrun worker; N runs each waiting for a person's approval: RSS while parked,
 *                       then every call approved at once: the update's round trip (the workflow resumed)
 *
 * Per scenario: wall time, history events per run, completion notice delay p50/p95 (from the
 * moment the run ended at the provider to the moment the waiter knew: the workflow closed, or the
 * SDK helper returned), provider requests per run-minute, CPU per run of the worker (or SDK
 * process) and of the Temporal server, and the worker's peak RSS. Prints a table; writes JSON to
 * bench/results/scale-<time>.json. Not a test: it asserts nothing, it prints numbers.
 */
'use strict';
const { cleanupStack, loadBuild } = require('../scripts/script-support');

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..');
const { startDevServer, AgentRunClient } = loadBuild('scale-benchmark', ['dist/dev-server/dev-server', 'dist/index']);
const { Connection, Client } = require('@temporalio/client');
const OpenAI = require('openai').default;

const CLI = path.join(root, 'dist', 'cli.js');
const TOOLS = path.join(root, 'dist', 'examples', 'example-tools.js');
const ALL = ['agentrun-poll', 'agentrun-stream', 'agentrun-no-watcher', 'sdk-default', 'sdk-1s'];
const TICKS_PER_SECOND = 100; // Linux USER_HZ

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000' },
      parked: { type: 'string', default: '1000' },
      'run-s': { type: 'string', default: '30' },
      'settle-s': { type: 'string', default: '5' },
      only: { type: 'string' },
      'worker-flags': { type: 'string', default: '' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0]);
    process.exit(0);
  }
  const numbers = (text, name) =>
    text
      .split(',')
      .filter(Boolean)
      .map((item) => {
        const value = Number(item);
        if (!Number.isSafeInteger(value) || value < 0) {
          console.error(`scale-benchmark: --${name} takes whole numbers (got "${item}")`);
          process.exit(2);
        }
        return value;
      });
  const only = values.only ? values.only.split(',') : ALL;
  for (const name of only) {
    if (!ALL.includes(name)) {
      console.error(`scale-benchmark: --only takes ${ALL.join(', ')} (got "${name}")`);
      process.exit(2);
    }
  }
  const workerFlags = values['worker-flags'].split(' ').filter(Boolean);
  return { sizes: numbers(values.sizes, 'sizes').filter((size) => size > 0), parked: numbers(values.parked, 'parked')[0] ?? 0, runMs: numbers(values['run-s'], 'run-s')[0] * 1000, settleMs: numbers(values['settle-s'], 'settle-s')[0] * 1000, only, workerFlags, out: values.out };
}

// ---- processes ---------------------------------------------------------------------------------

/** utime + stime of a process and all its descendants, in ms. */
function cpuMs(pid) {
  let total = 0;
  for (const each of [pid, ...descendants(pid)]) {
    try {
      const fields = fs.readFileSync(`/proc/${each}/stat`, 'utf8').split(') ')[1].split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    } catch {
      // gone
    }
  }
  return total;
}

function descendants(pid) {
  try {
    const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    return children.flatMap((child) => [child, ...descendants(child)]);
  } catch {
    return [];
  }
}

/** Peak RSS (VmHWM) and current RSS of a process, in MiB. */
function memoryMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { peak: Math.round(field('VmHWM')), now: Math.round(field('VmRSS')) };
}

/** Every child still running: killed when this process exits, however it exits (no orphaned workers). */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Spawns node on a script; resolves once a line of its stdout matches `ready`. */
function startProcess(args, env, ready) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      const match = ready && ready.exec(output);
      if (match) resolve(match);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${path.basename(args[0])} exited (${code}): ${output.slice(-2000)}`)));
    if (!ready) resolve(null);
  });
  return { child, started, exited, output: () => output };
}

async function stopProcess(handle) {
  if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill('SIGTERM');
  await Promise.race([handle.exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill('SIGKILL');
}

// ---- numbers -----------------------------------------------------------------------------------

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sum = (values) => values.reduce((total, value) => total + value, 0);

/** Seeded lengths between 0.5x and 1.5x the mean. */
function staggeredLengths(count, meanMs) {
  let seed = 11;
  return Array.from({ length: count }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.round(meanMs * (0.5 + seed / 2_147_483_648));
  });
}

// ---- the benchmark -----------------------------------------------------------------------------

async function main() {
  const settings = options();
  const stack = cleanupStack();
  const report = { settings, machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) }, rows: [] };
  const rows = report.rows;
  try {
    console.log(`scale benchmark: sizes ${settings.sizes.join(', ')}, parked ${settings.parked}, runs of ${settings.runMs / 2000}-${(settings.runMs * 1.5) / 1000} s, ${report.machine.cpus} CPUs`);
    const server = await startDevServer({ log: () => undefined });
    stack.push('Temporal dev server', () => server.stop());
    const connection = await Connection.connect({ address: server.address });
    stack.push('client connection', () => connection.close());
    const temporal = new Client({ connection, namespace: server.namespace });

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const emulator = startProcess([CLI, 'emulator', '--port', String(port), '--step-delay-ms', '0', '--api-key', 'emulator-key'], {}, /listening on (\S+)/);
    stack.push('emulator', () => stopProcess(emulator));
    const emulatorUrl = (await emulator.started)[1];
    const apiKey = 'emulator-key';
    const openai = new OpenAI({ baseURL: `${emulatorUrl}/v1`, apiKey });
    const adminStats = async () => (await fetch(`${emulatorUrl}/_emulator/stats`)).json();
    const assistant = await openai.beta.assistants.create({ model: 'gpt-4o' });
    const providerEnv = (protocol) => ({ AGENTRUN_PROVIDER: protocol === 'responses' ? 'emulator-responses' : 'emulator', AGENTRUN_EMULATOR_URL: emulatorUrl, AGENTRUN_EMULATOR_API_KEY: apiKey, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace });
    const serverPid = server.pid;

    const startWorker = async (taskQueue, protocol, flags = []) => {
      const worker = startProcess([CLI, 'worker', '--task-queue', taskQueue, '--tools', TOOLS, '--log-level', 'warn', ...settings.workerFlags, ...flags], providerEnv(protocol), /ready;/);
      await worker.started;
      return worker;
    };

    for (const size of settings.sizes) {
      const lengths = staggeredLengths(size, settings.runMs);
      const scripts = lengths.map((delay) => JSON.stringify({ steps: [{ answer: 'done', delay_ms: delay }] }));
      const runMinutes = sum(lengths) / 60_000;
      for (const scenario of settings.only) {
        if (scenario === 'agentrun-no-watcher' && size > 1000) continue; // one slot per wait: 10,000 slots is not a configuration anyone runs
        const before = await adminStats();
        const serverCpuBefore = cpuMs(serverPid);
        const started = Date.now();
        let row;
        if (scenario.startsWith('sdk-')) {
          const scriptsFile = path.join(os.tmpdir(), `agentrun-bench-${randomBytes(4).toString('hex')}.json`);
          fs.writeFileSync(scriptsFile, JSON.stringify(scripts));
          const loop = startProcess([path.join(__dirname, 'sdk-loop.js'), '--url', emulatorUrl, '--api-key', apiKey, '--assistant', assistant.id, '--scripts', scriptsFile, ...(scenario === 'sdk-1s' ? ['--poll-ms', '1000'] : [])], {}, null);
          let peak = { peak: 0 };
          const sampler = setInterval(() => {
            try {
              peak = memoryMiB(loop.child.pid);
            } catch {
              // exited
            }
          }, 500);
          let loopCpu = 0;
          const cpuSampler = setInterval(() => (loopCpu = Math.max(loopCpu, cpuMs(loop.child.pid))), 500);
          const code = await loop.exited;
          clearInterval(sampler);
          clearInterval(cpuSampler);
          fs.rmSync(scriptsFile, { force: true });
          if (code !== 0) throw new Error(`sdk loop failed: ${loop.output().slice(-2000)}`);
          const wallMs = Date.now() - started;
          const runs = JSON.parse(loop.output().trim().split('\n').pop());
          const after = await adminStats();
          const byId = new Map(after.runsCreated.map((entry) => [entry.id, entry]));
          const notice = runs.map((run) => run.doneAt - byId.get(run.id).status_changed_at_ms);
          row = { completed: runs.filter((run) => run.status === 'completed').length, wallMs, events: null, notice, requests: totalRequests(after, before), processCpuMs: loopCpu, peakRssMiB: peak.peak };
        } else {
          const protocol = scenario === 'agentrun-stream' ? 'responses' : 'threads-runs';
          const taskQueue = `bench-${scenario}-${size}-${randomBytes(3).toString('hex')}`;
          const flags = scenario === 'agentrun-no-watcher' ? ['--no-watcher', '--max-activities', String(size + 50)] : [];
          const worker = await startWorker(taskQueue, protocol, flags);
          const cpuBefore = cpuMs(worker.child.pid);
          const client = new AgentRunClient(temporal, { taskQueue });
          const inputOf = (index) =>
            protocol === 'responses'
              ? { agent: { model: 'gpt-4o' }, thread: { messages: [{ role: 'user', content: 'Benchmark' }] }, wait: { mode: 'stream' }, metadata: { emulator_script: scripts[index] } }
              : { assistantId: assistant.id, thread: { messages: [{ role: 'user', content: 'Benchmark' }] }, metadata: { emulator_script: scripts[index] } };
          const handles = await inBatches(size, 200, (index) => client.start(inputOf(index)));
          const results = await Promise.all(handles.map(({ handle }) => handle.result()));
          const wallMs = Date.now() - started;
          const workerCpu = cpuMs(worker.child.pid) - cpuBefore;
          const memory = memoryMiB(worker.child.pid);
          const after = await adminStats();
          await stopProcess(worker);
          const ends = new Map((protocol === 'responses' ? after.responsesCreated : after.runsCreated).map((entry) => [entry.id, entry.status_changed_at_ms]));
          const descriptions = await inBatches(size, 100, (index) => handles[index].handle.describe());
          const notice = descriptions.map((description, index) => description.closeTime.getTime() - ends.get(results[index].runIds.at(-1)));
          const sample = await Promise.all(handles.slice(0, 10).map(({ handle }) => handle.fetchHistory()));
          row = { completed: results.filter((result) => result.status === 'completed').length, wallMs, events: percentile(sample.map((history) => history.events.length), 50), notice, requests: totalRequests(after, before), processCpuMs: workerCpu, peakRssMiB: memory.peak };
        }
        const serverCpu = cpuMs(serverPid) - serverCpuBefore;
        const printed = {
          scenario,
          runs: size,
          completed: row.completed,
          wallS: Number((row.wallMs / 1000).toFixed(1)),
          historyEvents: row.events,
          noticeP50Ms: percentile(row.notice, 50),
          noticeP95Ms: percentile(row.notice, 95),
          requestsPerRunMinute: Number((row.requests / runMinutes).toFixed(1)),
          cpuMsPerRun: Number((row.processCpuMs / size).toFixed(1)),
          serverCpuMsPerRun: Number((serverCpu / size).toFixed(1)),
          peakRssMiB: row.peakRssMiB,
        };
        rows.push(printed);
        console.log(`  ${JSON.stringify(printed)}`);
      }
    }

    if (settings.parked > 0) rows.push(await parkedApprovals(settings.parked, settings.settleMs, startWorker, temporal, assistant.id, serverPid));

    printTable(rows);
    const out = settings.out ?? path.join(root, 'bench', 'results', `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report: ${path.relative(process.cwd(), out)}`);
  } catch (error) {
    // Said before the teardown: stopping the connection under calls still in flight can end the process.
    console.error(`scale-benchmark: ${error.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await stack.stopAll();
  }
}

/** N runs that each wait for a person's approval: worker RSS while parked, then every call approved at once. */
async function parkedApprovals(count, settleMs, startWorker, temporal, assistantId, serverPid) {
  const taskQueue = `bench-parked-${randomBytes(3).toString('hex')}`;
  const worker = await startWorker(taskQueue, 'threads-runs');
  const idle = memoryMiB(worker.child.pid).now;
  const client = new AgentRunClient(temporal, { taskQueue });
  const script = JSON.stringify({ steps: [{ tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00' } }] }, { answer: 'booked' }] });
  const cpuBefore = cpuMs(worker.child.pid);
  const serverCpuBefore = cpuMs(serverPid);
  const started = Date.now();
  const handles = await inBatches(count, 200, () => client.start({ assistantId, thread: { messages: [{ role: 'user', content: 'Book a room' }] }, metadata: { emulator_script: script } }));
  // Parked: each has its call waiting for approval.
  const pending = await inBatches(count, 50, async (index) => {
    for (;;) {
      // A query can time out while the worker is saturated (it is answered by a workflow task): ask again.
      const state = await client.status(handles[index].workflowId).catch(() => undefined);
      if (state?.pendingApprovals.length) return state.pendingApprovals[0].toolCallId;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  const parkedAfterMs = Date.now() - started;
  const justParked = memoryMiB(worker.child.pid).now;
  await new Promise((resolve) => setTimeout(resolve, settleMs)); // settle: what a parked run costs, not what starting it cost
  const parked = memoryMiB(worker.child.pid);
  const approveMs = [];
  await inBatches(count, 100, async (index) => {
    const sent = Date.now();
    await client.approve(handles[index].workflowId, { toolCallId: pending[index], approver: 'bench' });
    approveMs.push(Date.now() - sent);
  });
  const results = await Promise.all(handles.map(({ handle }) => handle.result()));
  const row = {
    scenario: 'parked',
    runs: count,
    completed: results.filter((result) => result.status === 'completed').length,
    wallS: Number(((Date.now() - started) / 1000).toFixed(1)),
    parkedAfterS: Number((parkedAfterMs / 1000).toFixed(1)),
    idleRssMiB: idle,
    justParkedRssMiB: justParked,
    parkedRssMiB: parked.now,
    kibPerParkedRun: Math.round(((parked.now - idle) * 1024) / count),
    approveP50Ms: percentile(approveMs, 50),
    approveP95Ms: percentile(approveMs, 95),
    cpuMsPerRun: Number(((cpuMs(worker.child.pid) - cpuBefore) / count).toFixed(1)),
    serverCpuMsPerRun: Number(((cpuMs(serverPid) - serverCpuBefore) / count).toFixed(1)),
    peakRssMiB: memoryMiB(worker.child.pid).peak,
  };
  await stopProcess(worker);
  console.log(`  ${JSON.stringify(row)}`);
  return row;
}

/** Calls `work(index)` for 0..count-1 with at most `width` in flight; results in order. */
async function inBatches(count, width, work) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await work(index);
      }
    }),
  );
  return results;
}

function totalRequests(after, before) {
  return sum(Object.values(after.requests)) - sum(Object.values(before.requests)) - (after.requests['POST /assistants'] ?? 0) + (before.requests['POST /assistants'] ?? 0);
}

function printTable(rows) {
  const columns = [
    ['scenario', 'scenario'],
    ['runs', 'runs'],
    ['ok', 'completed'],
    ['wall s', 'wallS'],
    ['events', 'historyEvents'],
    ['notice p50', 'noticeP50Ms'],
    ['notice p95', 'noticeP95Ms'],
    ['req/run-min', 'requestsPerRunMinute'],
    ['cpu ms/run', 'cpuMsPerRun'],
    ['server ms/run', 'serverCpuMsPerRun'],
    ['peak RSS MiB', 'peakRssMiB'],
    ['idle RSS MiB', 'idleRssMiB'],
    ['parked RSS MiB', 'parkedRssMiB'],
    ['KiB/parked run', 'kibPerParkedRun'],
    ['approve p50', 'approveP50Ms'],
    ['approve p95', 'approveP95Ms'],
  ];
  console.log(`\n| ${columns.map(([title]) => title).join(' | ')} |`);
  console.log(`|${columns.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${columns.map(([, key]) => (row[key] === undefined || row[key] === null ? '' : String(row[key]))).join(' | ')} |`);
}

main().catch((error) => {
  console.error(`scale-benchmark: ${error.stack ?? error}`);
  process.exit(1);
});
