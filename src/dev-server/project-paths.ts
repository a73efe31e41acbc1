/**
 * Where the project's own files live, for code that runs from `src/` (ts-jest) or `dist/` (built).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The agentrun package root: the nearest folder above this file whose package.json is agentrun's. */
export function packageRoot(): string {
  let directory = __dirname;
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'agentrun') return directory;
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`agentrun: cannot find the package root above ${__dirname}`);
    directory = parent;
  }
}

/**
 * The git-ignored cache for downloaded tools (the Temporal CLI). `AGENTRUN_CACHE_DIR` overrides it,
 * for installs where the package folder is read-only.
 */
export function cacheDirectory(): string {
  return process.env.AGENTRUN_CACHE_DIR ?? path.join(packageRoot(), '.cache');
}
