/**
 * The files `agentrun ingest` was given: folders expanded recursively (dotfiles and dot-folders
 * skipped, sorted), every path made absolute (the worker reads them, maybe from another working
 * directory), duplicates dropped, and paths that cannot be ingested kept with the reason, so they
 * are reported as failed files instead of stopping the command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One input of the ingestion: a file to send, or a path that cannot be ingested and why. */
export type IngestInputPath = { kind: 'file'; path: string } | { kind: 'unusable'; path: string; error: string };

/** Byte order, so the order is the same on every machine and locale. */
function byName(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Why a path cannot be read, in words. */
function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'not found: no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'ENOTDIR') return 'not found: a parent is not a folder';
  if (code === 'ELOOP') return 'cannot be read: too many symbolic links';
  return `cannot be read: ${(error as Error).message}`;
}

/**
 * Expands the command line's paths, in their order. A folder contributes its files (recursively,
 * sorted, without names starting with `.`); a file named explicitly is taken even when it is a
 * dotfile. Symbolic links are followed, folder cycles are not.
 */
export async function expandIngestPaths(args: readonly string[], cwd: string = process.cwd()): Promise<IngestInputPath[]> {
  const inputs: IngestInputPath[] = [];
  const seen = new Set<string>();
  const add = (input: IngestInputPath) => {
    if (seen.has(input.path)) return;
    seen.add(input.path);
    inputs.push(input);
  };

  const walk = async (folder: string, visited: Set<string>): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(folder, { withFileTypes: true });
    } catch (error) {
      add({ kind: 'unusable', path: folder, error: `folder ${unreadableReason(error)}` });
      return;
    }
    for (const entry of entries.filter((candidate) => !candidate.name.startsWith('.')).sort((left, right) => byName(left.name, right.name))) {
      const full = path.join(folder, entry.name);
      let isFile = entry.isFile();
      let isFolder = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          const target = await fs.promises.stat(full);
          isFile = target.isFile();
          isFolder = target.isDirectory();
        } catch (error) {
          add({ kind: 'unusable', path: full, error: `symbolic link ${unreadableReason(error)}` });
          continue;
        }
      }
      if (isFile) add({ kind: 'file', path: full });
      else if (isFolder) {
        const real = await fs.promises.realpath(full).catch(() => full);
        if (visited.has(real)) continue;
        await walk(full, new Set([...visited, real]));
      }
      // Sockets, FIFOs and devices inside a folder are not documents: skipped silently.
    }
  };

  for (const argument of args) {
    const absolute = path.resolve(cwd, argument);
    let stats: fs.Stats;
    try {
      stats = await fs.promises.stat(absolute);
    } catch (error) {
      add({ kind: 'unusable', path: absolute, error: unreadableReason(error) });
      continue;
    }
    if (stats.isDirectory()) await walk(absolute, new Set([await fs.promises.realpath(absolute).catch(() => absolute)]));
    else if (stats.isFile()) add({ kind: 'file', path: absolute });
    else add({ kind: 'unusable', path: absolute, error: 'not a regular file or folder' });
  }
  return inputs;
}
