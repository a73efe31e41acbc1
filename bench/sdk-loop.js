#!/usr/bin/env node
/*
 * The bare SDK loop the scale benchmark compares agentrun with: N concurrent runs in one process,
 * each `openai.beta.threads.createAndRunPoll` (the helper users reach for), with the SDK's default
 * poll interval (the provider's poll-after hint, else 5 s) or a given one. Prints one JSON line:
 * for each run its id and the time (epoch ms) the helper returned.
 *
 *   node bench/sdk-loop.js --url URL --api-key KEY --assistant ID --runs N [--poll-ms MS] --scripts FILE
 */
'use strict';
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const OpenAI = require('openai').default;

async function main() {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, 'api-key': { type: 'string' }, assistant: { type: 'string' }, 'poll-ms': { type: 'string' }, scripts: { type: 'string' } },
  });
  const scripts = JSON.parse(fs.readFileSync(values.scripts, 'utf8'));
  // maxRetries as shipped (2): a user of the bare loop gets the SDK's own retries.
  const client = new OpenAI({ baseURL: `${values.url}/v1`, apiKey: values['api-key'] });
  const pollIntervalMs = values['poll-ms'] ? Number(values['poll-ms']) : undefined;
  const runs = await Promise.all(
    scripts.map(async (script) => {
      const run = await client.beta.threads.createAndRunPoll(
        { assistant_id: values.assistant, thread: { messages: [{ role: 'user', content: 'Benchmark' }] }, metadata: { emulator_script: script } },
        pollIntervalMs ? { pollIntervalMs } : undefined,
      );
      return { id: run.id, status: run.status, doneAt: Date.now() };
    }),
  );
  process.stdout.write(`${JSON.stringify(runs)}\n`);
}

main().catch((error) => {
  process.stderr.write(`sdk-loop: ${error.stack ?? error}\n`);
  process.exit(1);
});
