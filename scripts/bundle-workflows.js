#!/usr/bin/env node
/*
 * Prebuilds the bundle of agentrun's workflows at build time (`npm run build`), so a worker does not
 * run webpack at every start: dist/workflow-bundle.js, and dist/workflow-bundle.json naming the
 * `@temporalio/workflow` version it carries (a worker uses it only when the installed SDK is that
 * version: see src/prebuilt-workflow-bundle.ts `prebuiltWorkflowBundle`).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

async function main() {
  const dist = path.join(__dirname, '..', 'dist');
  const started = Date.now();
  // Webpack's progress goes to the SDK's default logger; the build wants a quiet success.
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(path.join(dist, 'workflows')), logger: quietLogger() });
  fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
  const temporalWorkflowVersion = require('@temporalio/workflow/package.json').version;
  fs.writeFileSync(path.join(dist, 'workflow-bundle.json'), `${JSON.stringify({ temporalWorkflowVersion, bytes: Buffer.byteLength(code) }, null, 2)}\n`);
  process.stdout.write(`workflow bundle: ${(Buffer.byteLength(code) / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s (@temporalio/workflow ${temporalWorkflowVersion})\n`);
}

function quietLogger() {
  const noop = () => undefined;
  return { log: noop, trace: noop, debug: noop, info: noop, warn: (message) => process.stderr.write(`${message}\n`), error: (message) => process.stderr.write(`${message}\n`) };
}

main().catch((error) => {
  process.stderr.write(`bundle-workflows: ${error.stack ?? error}\n`);
  process.exit(1);
});
