#!/usr/bin/env node
/*
 * Screenshots of an agent run in the Temporal Web UI, for docs/web-ui.md:
 *
 *   npm run build && node scripts/screenshot-web-ui.js
 *
 * Starts a Temporal dev server with its Web UI, the provider emulator and an in-process worker with
 * two tools (one runs by itself, one waits for a person), starts a run whose scripted model calls
 * both, and photographs the UI with headless Chromium: the run list filtered to runs waiting for a
 * person, the run waiting for approval, the run working after the approval (the pending activity
 * and its heartbeat details), and the completed run. Writes docs/images/web-ui-*.png.
 *
 * Plain CommonJS on the build (dist/): scripts are not compiled. Needs Debian's chromium
 * (`apt-get install -y chromium`) or CHROMIUM_PATH.
 */
'use strict';
const { cleanupStack, loadBuild } = require('./script-support');

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const imagesDirectory = path.join(root, 'docs', 'images');
const WINDOW = { width: 1400, height: 900 };
/** How long the UI (a JavaScript app that fetches after load) may take to show what we wait for. */
const RENDER_TIMEOUT_MS = 30_000;
/** Extra time after that, for fonts, icons and the last fetches. */
const SETTLE_MS = 3_000;
/** How long the scripted model "thinks" after the approval: long enough to photograph the pending activity. */
const ANSWER_DELAY_MS = 40_000;
const MAX_IMAGE_BYTES = 400 * 1024;

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  return candidates.find((candidate) => fs.existsSync(candidate));
}

/** Polls `probe` until it returns something truthy. */
async function eventually(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (${lastError.message})` : ''}`);
}

/**
 * Headless Chromium driven over `--remote-debugging-pipe`: the DevTools protocol as NUL-separated
 * JSON on file descriptors 3 (to Chromium) and 4 (from it), so no WebSocket client is needed.
 * Not `--screenshot` with `--virtual-time-budget`: the UI long-polls a running workflow's history,
 * virtual time does not advance while a request is open, and Chromium never takes the picture.
 */
async function launchChromium(executable) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-chromium-'));
  const browser = spawn(
    executable,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--window-size=${WINDOW.width},${WINDOW.height}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toBrowser = browser.stdio[3];
  const fromBrowser = browser.stdio[4];
  const pending = new Map();
  let nextId = 1;
  let buffered = '';
  fromBrowser.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter) continue;
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter.resolve(message.result);
    }
  });
  const exited = new Promise((resolve) => browser.once('exit', resolve));
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error('Chromium exited'));
    pending.clear();
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { method, resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });

  const { targetInfos } = await send('Target.getTargets');
  const page = targetInfos.find((target) => target.type === 'page');
  const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
  const inPage = (method, params) => send(method, params, sessionId);
  await inPage('Emulation.setDeviceMetricsOverride', { width: WINDOW.width, height: WINDOW.height, deviceScaleFactor: 1, mobile: false });
  await inPage('Page.enable');
  const evaluate = async (expression) => (await inPage('Runtime.evaluate', { expression, returnByValue: true })).result.value;

  return {
    /** Opens `url`, waits until the page shows `waitFor` (any case), optionally scrolls a heading to the top, and saves a PNG. */
    async screenshot(url, file, { waitFor, scrollTo } = {}) {
      await inPage('Page.navigate', { url });
      if (waitFor) {
        await eventually(`the page to show "${waitFor}" (${url})`, () => evaluate(`!!document.body && document.body.innerText.toLowerCase().includes(${JSON.stringify(waitFor.toLowerCase())})`), RENDER_TIMEOUT_MS);
      }
      if (scrollTo) {
        const heading = JSON.stringify(scrollTo);
        await evaluate(`(() => { const found = [...document.querySelectorAll('h1, h2, h3')].find((element) => element.textContent.trim().startsWith(${heading})); if (found) found.scrollIntoView({ block: 'start' }); return !!found; })()`);
      }
      // Let fonts, icons and the last fetches settle.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const { data } = await inPage('Page.captureScreenshot', { format: 'png' });
      fs.writeFileSync(file, Buffer.from(data, 'base64'));
      const bytes = fs.statSync(file).size;
      console.log(`  ${path.relative(root, file)}  ${Math.round(bytes / 1024)} KB  <- ${url}`);
      if (bytes > MAX_IMAGE_BYTES) console.warn(`  warning: ${path.basename(file)} is over ${MAX_IMAGE_BYTES / 1024} KB`);
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => browser.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function main() {
  const chromium = findChromium();
  if (!chromium) {
    console.error('screenshot-web-ui: Chromium not found. Install it with:\n  apt-get update && apt-get install -y chromium\nor point CHROMIUM_PATH at a Chromium binary.');
    process.exit(1);
  }
  const build = loadBuild('screenshot-web-ui', ['dist/dev-server/dev-server', 'dist/emulator', 'dist/providers', 'dist/tools/define-tool', 'dist/worker', 'dist/client']);
  const { Runtime, DefaultLogger, NativeConnection } = require('@temporalio/worker');
  const { Client, Connection } = require('@temporalio/client');
  const { z } = require('zod');
  // Only warnings from the worker: this script prints its own story. No shutdown signals: ours stop
  // everything in order (the Runtime's own handlers would stop the worker and leave the rest).
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  fs.mkdirSync(imagesDirectory, { recursive: true });

  const stack = cleanupStack();
  const stopAll = stack.stopAll;

  try {
    console.log('Starting a Temporal dev server with the Web UI ...');
    const server = await build.startDevServer({ ui: true, log: (line) => console.log(`  ${line}`) });
    stack.push('the Temporal dev server', () => server.stop());

    const emulator = await build.startEmulator({ stepDelayMs: 300, pollAfterMs: 0 });
    stack.push('the emulator', () => emulator.close());
    console.log(`Emulator at ${emulator.url}`);
    const providerConfig = { kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 10_000 };

    const tools = [
      build.defineTool({
        name: 'lookup_order',
        description: 'Finds an order by its id (runs without asking anyone).',
        parameters: z.object({ orderId: z.string() }),
        idempotent: true,
        handler: ({ orderId }) => ({ orderId, customer: 'Ada Lovelace', total: '42.50 EUR', status: 'delivered' }),
      }),
      build.defineTool({
        name: 'refund_order',
        description: 'Refunds an order: a person approves every call.',
        parameters: z.object({ orderId: z.string(), amount: z.string(), reason: z.string() }),
        policy: 'approval',
        handler: ({ orderId, amount }) => `refunded ${amount} for order ${orderId}`,
      }),
    ];

    const workerConnection = await NativeConnection.connect({ address: server.address });
    stack.push('the worker connection', () => workerConnection.close());
    const worker = await build.createAgentrunWorker({
      connection: workerConnection,
      namespace: server.namespace,
      tools,
      provider: build.createOpenAIProvider(providerConfig),
      secrets: [emulator.apiKey],
      registerSearchAttributes: false,
      log: () => undefined,
    });
    const running = worker.run();
    stack.push('the worker', async () => {
      worker.shutdown();
      await running;
    });
    console.log('Worker running with tools lookup_order (auto) and refund_order (approval)');

    const openai = build.createOpenAIClient(providerConfig);
    const script = {
      steps: [
        { tools: [{ name: 'lookup_order', arguments: { orderId: 'A-1001' } }] },
        { tools: [{ name: 'refund_order', arguments: { orderId: 'A-1001', amount: '42.50 EUR', reason: 'arrived damaged' } }] },
        { answer: 'Order A-1001 is refunded: 42.50 EUR are on their way back to Ada.', delay_ms: ANSWER_DELAY_MS },
      ],
    };
    const assistant = await openai.beta.assistants.create({
      model: 'gpt-4o',
      name: 'Refund desk',
      instructions: 'Look the order up, then refund it when the customer is right.',
      tools: build.toolDefinitions(tools).map(({ name, description, parameters }) => ({ type: 'function', function: { name, description, parameters } })),
      metadata: { [build.EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify(script) },
    });
    console.log(`Assistant ${assistant.id} created at the emulator`);

    const connection = await Connection.connect({ address: server.address });
    stack.push('the client connection', () => connection.close());
    const client = new build.AgentRunClient(new Client({ connection, namespace: server.namespace }));
    const { workflowId, handle } = await client.start({
      assistantId: assistant.id,
      thread: { messages: [{ role: 'user', content: 'My order A-1001 arrived damaged. Can I get a refund?' }] },
      wait: { mode: 'poll', pollInterval: 500 },
    });
    console.log(`Run started: workflow ${workflowId}`);

    const waiting = await eventually('the run to wait for approval', async () => {
      const state = await client.status(workflowId);
      return state.pendingApprovals.length ? state : undefined;
    });
    const pending = waiting.pendingApprovals[0];
    console.log(`Waiting for approval: ${pending.name} ${pending.arguments} (${pending.toolCallId})`);
    await eventually('visibility to list the run as waiting', async () => (await client.listAwaitingApproval()).some((entry) => entry.workflowId === workflowId));

    const description = await handle.describe();
    const base = `${server.uiUrl}/namespaces/${encodeURIComponent(server.namespace)}/workflows`;
    const run = `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(description.runId)}`;
    const browser = await launchChromium(chromium);
    stack.push('Chromium', () => browser.close());
    const image = (name) => path.join(imagesDirectory, `web-ui-${name}.png`);

    console.log('Screenshots while the run waits for a person:');
    await browser.screenshot(`${base}?query=${encodeURIComponent('AgentRunPendingApprovals > 0')}`, image('list-awaiting-approval'), { waitFor: workflowId });
    await browser.screenshot(`${run}/user-metadata`, image('run-waiting-for-approval'), { waitFor: 'Current Details' });

    await client.approve(workflowId, { toolCallId: pending.toolCallId, approver: 'alice', reason: 'photo of the damage attached' });
    console.log('Approved by alice; the model now works on its answer');
    await eventually('the run to be in progress again', async () => {
      const state = await client.status(workflowId);
      return state.providerStatus === 'in_progress' && !state.pendingToolCalls.length ? state : undefined;
    });
    console.log('Screenshot while the model works (the pending activity and its heartbeat details):');
    await browser.screenshot(`${run}/pending-activities`, image('run-pending-activity'), { waitFor: 'in_progress' });

    const result = await handle.result();
    console.log(`Run ${result.status}: "${result.messages[0]?.text ?? ''}"`);
    console.log('Screenshot of the completed run:');
    await browser.screenshot(`${run}/timeline`, image('run-completed'), { waitFor: 'Completed', scrollTo: 'Timeline' });
  } finally {
    console.log('Stopping ...');
    await stopAll();
  }
  console.log('Done.');
}

main().catch((error) => {
  console.error(`screenshot-web-ui: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
