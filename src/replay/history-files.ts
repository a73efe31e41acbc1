/**
 * Workflow histories saved as JSON files, in the two forms agentrun meets:
 * - what `temporal workflow show --output json` and the Web UI's download write (protobuf's
 *   canonical JSON: timestamps as RFC 3339 strings, durations as `"10s"`);
 * - what agentrun's own test support writes (protobufjs' `toJSON()`: timestamps and durations as
 *   `{ seconds, nanos }` objects), plus the `workflowId` it was recorded under.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils';

/** A history ready for replay, and where it came from. */
export interface HistoryToReplay {
  /** The id the workflow ran under (a workflow that derives ids from its own replays only under it). */
  workflowId: string;
  history: History;
  /** The file it was read from, when it came from one. */
  file?: string;
}

/** A file that is not a readable workflow history; the message names the file and what is wrong. */
export class HistoryFileError extends Error {
  override name = 'HistoryFileError';
}

type ProtoModule = typeof import('@temporalio/proto');
type HistoryType = ProtoModule['temporal']['api']['history']['v1']['History'];

/**
 * The SDK's history types, loaded lazily. `@temporalio/proto` is a dependency of
 * `@temporalio/common`, not of agentrun: it is loaded from where common finds it. Its canonical
 * JSON parser comes from the protobufjs copy `@temporalio/proto` itself uses: npm may install two
 * copies of protobufjs 8, and a parser from the other copy refuses these types ("type must be a
 * Type"), which is also why the SDK's own `historyFromJSON` cannot be used here.
 */
let loadedTypes: { History: HistoryType; fromJson: (type: HistoryType, json: unknown, options: object) => History } | undefined;
function historyTypes(): NonNullable<typeof loadedTypes> {
  if (loadedTypes) return loadedTypes;
  const commonRequire = createRequire(require.resolve('@temporalio/common'));
  const protoPath = commonRequire.resolve('@temporalio/proto');
  const proto = commonRequire(protoPath) as ProtoModule;
  const protojson = createRequire(protoPath)('protobufjs/ext/protojson') as { fromJson: (type: HistoryType, json: unknown, options: object) => History };
  loadedTypes = { History: proto.temporal.api.history.v1.History, fromJson: protojson.fromJson };
  return loadedTypes;
}

/** The shape both forms share; anything else is not a history. */
interface HistoryJson {
  workflowId?: unknown;
  events?: Array<Record<string, unknown>>;
}

/**
 * Parses a history in either JSON form (see the module comment). Throws a {@link HistoryFileError}
 * naming `label` when it is not one.
 */
export function parseHistoryJson(json: unknown, label: string): { history: History; workflowId?: string } {
  const document = json as HistoryJson;
  const first = Array.isArray(document?.events) ? document.events[0] : undefined;
  if (!first || typeof first !== 'object') {
    throw new HistoryFileError(`${label} is not a workflow history: expected a JSON object with an "events" array (as "temporal workflow show --output json" writes)`);
  }
  const { History, fromJson } = historyTypes();
  let history: History;
  try {
    // Canonical JSON writes a timestamp as a string; protobufjs' toJSON as { seconds, nanos }.
    history = typeof first.eventTime === 'string' ? fromJson(History, { events: document.events }, { ignoreUnknownFields: true }) : History.fromObject({ events: document.events });
  } catch (error) {
    throw new HistoryFileError(`${label} is not a readable workflow history: ${(error as Error).message}`);
  }
  const started = first.workflowExecutionStartedEventAttributes as { workflowId?: unknown } | undefined;
  const workflowId = typeof document.workflowId === 'string' ? document.workflowId : typeof started?.workflowId === 'string' ? started.workflowId : undefined;
  return { history, ...(workflowId ? { workflowId } : {}) };
}

/**
 * Reads one history file. The workflow id is the file's `workflowId` field, else the one in its
 * first event (servers since 1.2x record it there), else the file name without `.json` (name
 * exports after their workflow: `temporal workflow show -w ID --output json > ID.json`).
 */
export function readHistoryFile(file: string): HistoryToReplay {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new HistoryFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HistoryFileError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const { history, workflowId } = parseHistoryJson(json, file);
  return { workflowId: workflowId ?? path.basename(file, '.json'), history, file };
}

/**
 * The history files named by `paths`: files as given, folders searched (recursively) for `*.json`,
 * sorted. Throws a {@link HistoryFileError} for a path that does not exist or a folder with no
 * history file.
 */
export function historyFilePaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const given of paths) {
    let stats: fs.Stats;
    try {
      stats = fs.statSync(given);
    } catch {
      throw new HistoryFileError(`${given} does not exist`);
    }
    if (!stats.isDirectory()) {
      files.push(given);
      continue;
    }
    const found = jsonFilesUnder(given);
    if (!found.length) throw new HistoryFileError(`${given} holds no .json history files`);
    files.push(...found);
  }
  return files;
}

function jsonFilesUnder(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return jsonFilesUnder(full);
      return entry.isFile() && entry.name.endsWith('.json') ? [full] : [];
    });
}
