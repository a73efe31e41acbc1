/**
 * What a cached workflow carries. The SDK evaluates every module a workflow imports once per cached
 * workflow, so the prebuilt bundle must not pull in zod's classic API (about 600 KiB per waiting
 * run), the schemas workflows use must be built on demand, not at module load (about 1 MiB per
 * waiting run), and loading the workflows must not load zod at all (src/workflows/lazy-schemas.ts).
 * `npm run bench` measures the memory; this test keeps the reasons from coming back.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const dist = path.join(__dirname, '..', '..', 'dist');
/** Loads the built modules (what the bundle was made from), not the sources ts-jest compiles. */
const requireBuilt = createRequire(__filename);

/** The module ids webpack wrote into the prebuilt bundle (`/***\/ "./node_modules/zod/..."`). */
function bundledModules(): string[] {
  const code = fs.readFileSync(path.join(dist, 'workflow-bundle.js'), 'utf8');
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((match) => match[1]!);
}

describe('the prebuilt workflow bundle', () => {
  it('carries zod Mini and not zod classic', () => {
    const modules = bundledModules();
    expect(modules.some((id) => id.includes('node_modules/zod/v4/mini/'))).toBe(true);
    const classic = modules.filter((id) => id.includes('/zod/v4/classic/'));
    // A shared module imported `zod/v4` (classic): import `zod/v4/mini` in code that workflows reach.
    expect(classic).toEqual([]);
  });

  it('loads the workflow-side schema modules without building a schema', () => {
    const modules = ['run-input', 'decision-schemas', 'run-messages', 'ingestion-input', 'migration-input', 'migration-types', 'duration', 'duration-schema'];
    for (const name of modules) {
      const exports = requireBuilt(path.join(dist, 'shared', name)) as Record<string, unknown>;
      const built = Object.entries(exports).filter(([, value]) => typeof value === 'object' && value !== null && '_zod' in value);
      // Built at load, a schema is one copy per cached workflow: wrap it in schemaOnDemand.
      expect({ module: name, built: built.map(([key]) => key) }).toEqual({ module: name, built: [] });
    }
  });

  it('loads the workflows without loading zod', () => {
    // A fresh process, so no other test has loaded zod: webpack defers a `require` inside a
    // function as Node does, so what Node loads here is what every cached workflow evaluates.
    const script = `require(${JSON.stringify(path.join(dist, 'workflows'))}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
    expect(loaded.some((file) => file.endsWith(path.join('dist', 'workflows', 'agent-run-workflow.js')))).toBe(true);
    // A workflow module imported a schema module (or zod) at load: reach it through lazy-schemas.ts.
    expect(loaded.filter((file) => file.includes(`${path.sep}zod${path.sep}`))).toEqual([]);
  });

  it('builds a schema once per process outside workflows', () => {
    const { agentRunInputSchema } = requireBuilt(path.join(dist, 'shared', 'run-input')) as typeof import('../../src/shared/run-input');
    expect(agentRunInputSchema()).toBe(agentRunInputSchema());
    expect(agentRunInputSchema().safeParse({ assistantId: 'asst_1', temperature: 3 }).success).toBe(false);
  });
});
