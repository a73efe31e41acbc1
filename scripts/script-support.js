/*
 * What the scripts run on dist/ share (the screenshot script, the ingestion benchmark): loading the
 * build with a clear error, and a stack of things to stop in reverse order, also on Ctrl-C.
 */
'use strict';

/** Requires modules of dist/ by path (relative to the repository root), or exits with the fix. */
function loadBuild(scriptName, modules) {
  try {
    return Object.assign({}, ...modules.map((module) => require(`../${module}`)));
  } catch (error) {
    console.error(`${scriptName}: cannot load the build (${error.message}). Run \`npm run build\` first.`);
    process.exit(1);
  }
}

/** Things to stop, last started first; `stopAll` never throws. SIGINT/SIGTERM stop them and exit 130. */
function cleanupStack() {
  const stack = [];
  const stopAll = async () => {
    while (stack.length) {
      const [what, stop] = stack.pop();
      try {
        await stop();
      } catch (error) {
        console.error(`  could not stop ${what}: ${error.message}`);
      }
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stopAll().then(() => process.exit(130)));
  return { push: (what, stop) => stack.push([what, stop]), stopAll };
}

module.exports = { loadBuild, cleanupStack };
