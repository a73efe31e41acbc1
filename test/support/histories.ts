/**
 * Committed workflow histories for replay tests, a folder per agentrun version:
 * test/histories/<version>/<name>.json. Scenario tests call {@link recordHistory}; with
 * `AGENTRUN_RECORD_HISTORIES=1` it writes the history into the folder of the version being
 * developed (package.json's `version`) when no history of that name exists there yet, otherwise it
 * does nothing.
 *
 * A released version's folder is frozen (test/histories/RELEASED lists those versions): its
 * histories stand for runs that users' workers of that version recorded and that must replay on
 * every later version. A workflow change that breaks one goes behind `patched()`; recording
 * starts again in a new folder once package.json names the next version.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';

/** test/histories: one folder per version, and the RELEASED list. */
export const HISTORIES_ROOT = path.join(__dirname, '..', 'histories');
/** The list of released versions, one per line. */
export const RELEASED_FILE = path.join(HISTORIES_ROOT, 'RELEASED');
const PACKAGE_JSON = path.join(__dirname, '..', '..', 'package.json');

/** The versions RELEASED lists (their folders are frozen). */
export function releasedVersions(): string[] {
  if (!fs.existsSync(RELEASED_FILE)) return [];
  return fs
    .readFileSync(RELEASED_FILE, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** The version being developed: package.json's `version`. */
export function developmentVersion(): string {
  return (JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
}

/** The version folders under test/histories, oldest first. */
export function versionFolders(): string[] {
  if (!fs.existsSync(HISTORIES_ROOT)) return [];
  return fs
    .readdirSync(HISTORIES_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(compareVersions);
}

/** The history files of one version folder (names ending in `.json`), sorted. */
export function historyFiles(version: string): string[] {
  return fs
    .readdirSync(path.join(HISTORIES_ROOT, version))
    .filter((file) => file.endsWith('.json'))
    .sort();
}

/**
 * Orders `major.minor.patch[-prerelease]` versions; a prerelease comes before its release
 * (0.3.0-dev < 0.3.0). Prereleases of one version compare as strings.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string) => {
    const match = /^(\d+)\.(\d+)\.(\d+)(?:-(.+))?$/.exec(version);
    if (!match) throw new Error(`"${version}" is not a version (major.minor.patch[-prerelease])`);
    return { numbers: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] };
  };
  const left = parse(a);
  const right = parse(b);
  for (let index = 0; index < 3; index += 1) {
    const difference = left.numbers[index]! - right.numbers[index]!;
    if (difference) return difference;
  }
  if (left.prerelease === right.prerelease) return 0;
  if (left.prerelease === undefined) return 1;
  if (right.prerelease === undefined) return -1;
  return left.prerelease < right.prerelease ? -1 : 1;
}

/**
 * The folder new histories go to: the development version's. Throws, saying to bump the version,
 * when that version is released or older than a released one (its folder is frozen, or recording
 * there would file new behaviour under an old version).
 */
export function recordingFolder(version: string = developmentVersion(), released: readonly string[] = releasedVersions()): string {
  const newest = [...released].sort(compareVersions).pop();
  if (newest !== undefined && compareVersions(version, newest) <= 0) {
    throw new Error(
      `Refusing to record histories for agentrun ${version}: ${released.includes(version) ? `${version} is released (test/histories/RELEASED), so test/histories/${version}/ is frozen` : `${newest} is already released`}. ` +
        `Bump "version" in package.json past ${newest} (e.g. to the release you are preparing), then record again: new histories go to test/histories/<that version>/.`,
    );
  }
  return path.join(HISTORIES_ROOT, version);
}

/** Saves the history of the handle's execution under `name` (after continue-as-new, pass the first run's handle). */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.AGENTRUN_RECORD_HISTORIES !== '1') return;
  const folder = recordingFolder();
  const file = path.join(folder, `${name}.json`);
  if (fs.existsSync(file)) return; // frozen
  fs.mkdirSync(folder, { recursive: true });
  const history = await handle.fetchHistory();
  // protobufjs' JSON form (enum names, base64 payloads), plus the workflow id: a workflow that
  // derives ids from its own (child workflow ids) replays only under its real id.
  const json = JSON.stringify({ workflowId: handle.workflowId, ...(history as unknown as { toJSON(): object }).toJSON() });
  try {
    // `wx`: never overwrite, not even a file another test file wrote meanwhile.
    fs.writeFileSync(file, json, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * What a developer reads when a committed history no longer replays: the file, the version that
 * recorded it, why, and what to do (a released history is never re-recorded: it stands for runs
 * that are waiting on users' servers).
 */
export function replayFailureMessage(failure: { version: string; file: string; reason: string; released: readonly string[] }): string {
  const relative = path.relative(path.join(HISTORIES_ROOT, '..', '..'), path.join(HISTORIES_ROOT, failure.version, failure.file));
  const isReleased = failure.released.includes(failure.version);
  const patchAdvice =
    "put the behaviour change behind patched('<id>') (as samples-typescript patching-api does; agentrun's ids are PATCH in src/workflows/agent-run-workflow.ts), " +
    'so runs recorded before the change replay their old path and new runs take the new one';
  return [
    `${relative}, recorded by agentrun ${failure.version}${isReleased ? '' : ' (not released yet)'}, no longer replays with today's workflow code:`,
    `  ${failure.reason}`,
    isReleased
      ? `Runs that agentrun ${failure.version} started wait on users' servers (for people, for days) and will meet this code. Fix: ${patchAdvice}. Never re-record a released history.`
      : `No user runs ${failure.version} yet: if the change is meant, delete this file and record it again (npm run histories:record). ` +
        `If a released version's histories fail too, ${patchAdvice}.`,
  ].join('\n');
}
