/**
 * Loads a user's tool module (`agentrun worker --tools ./tools.js`): its default export is an
 * array of tools made with `defineTool`.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTool, type Tool } from './define-tool';

/** Loads and checks a tool module; the error says what the module must export. */
export async function loadToolModule(modulePath: string): Promise<Tool[]> {
  const absolute = path.resolve(modulePath);
  let loaded: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a user module chosen at run time
    loaded = require(absolute);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw new Error(`cannot load tool module ${absolute}: ${(error as Error).message}`);
    // An ES module: `import()` must survive compilation to CommonJS, hence the Function.
    const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
    loaded = await importModule(pathToFileURL(absolute).href);
  }
  const exported = (loaded as { default?: unknown }).default ?? loaded;
  if (!Array.isArray(exported)) throw new Error(`tool module ${absolute} must export an array of tools (export default [defineTool({...}), ...]); it exports ${typeof exported}`);
  exported.forEach((tool, index) => {
    if (!isTool(tool)) throw new Error(`tool module ${absolute}: export [${index}] is not a tool made with defineTool`);
  });
  return checkUniqueNames(exported as Tool[]);
}

/** Tool names must be unique in one worker. */
export function checkUniqueNames(tools: Tool[]): Tool[] {
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new Error(`two tools are named "${tool.name}": tool names must be unique on a worker`);
    seen.add(tool.name);
  }
  return tools;
}
