/**
 * Following an ingestion while it works: `agentrun ingest` polls the workflow's progress query and
 * draws a progress bar on stderr (one redrawn line on a terminal; a plain line every few seconds
 * otherwise, so logs stay readable) until the workflow closes.
 *
 * Why polling a query: the counts live in the workflow (its batches signal them at each stage),
 * and a query costs no history events, so following an ingestion of 10,000 files never grows it.
 */
import type { IngestionClient } from '../ingestion-client';
import type { IngestionProgress, IngestionResult } from '../shared/ingestion-types';
import { describeWorkflowFailure, type WorkflowFailureDescription } from './command-support';
import { clockTime } from './text-format';

/** How often progress is read: live enough for a person, one cheap query each time. */
export const INGEST_POLL_INTERVAL_MS = 500;
/** Without a terminal, one progress line this often (and one at the end). */
export const PLAIN_LINE_INTERVAL_MS = 5_000;
/** The rate is measured over this much recent time, so it follows the current pace. */
const RATE_WINDOW_MS = 15_000;

/** `45s`, `3m 05s`, `1h 02m`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** Files done per second over the recent window, and the seconds left at that pace. */
export interface IngestPace {
  filesPerSecond: number | undefined;
  secondsLeft: number | undefined;
}

/** Measures the pace from successive progress readings. */
export class PaceMeter {
  private samples: { at: number; done: number }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a reading and returns the pace (undefined until there are two readings apart in time). */
  record(progress: IngestionProgress): IngestPace {
    const at = this.now();
    const done = progress.completed + progress.failed;
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const elapsedMs = at - first.at;
    if (elapsedMs < 500) return { filesPerSecond: undefined, secondsLeft: undefined };
    const filesPerSecond = ((done - first.done) * 1000) / elapsedMs;
    const left = Math.max(0, progress.total - done);
    return { filesPerSecond, secondsLeft: filesPerSecond > 0 ? left / filesPerSecond : undefined };
  }
}

/** The counts of one progress reading, as words: `450/1000 done (45%): uploaded 600, processing 150, completed 440, failed 10`. */
export function progressCounts(progress: IngestionProgress): string {
  const done = progress.completed + progress.failed;
  const percent = progress.total ? Math.floor((done * 100) / progress.total) : 0;
  return `${done}/${progress.total} done (${percent}%): uploaded ${progress.uploaded}, processing ${progress.processing}, completed ${progress.completed}, failed ${progress.failed}`;
}

function paceWords(pace: IngestPace, progress: IngestionProgress): string {
  const done = progress.completed + progress.failed;
  if (done >= progress.total && progress.total > 0) return '';
  const rate = pace.filesPerSecond === undefined || (pace.filesPerSecond === 0 && done === 0) ? '' : `${pace.filesPerSecond.toFixed(1)} files/s`;
  const left = pace.secondsLeft === undefined ? '' : `about ${formatDuration(pace.secondsLeft)} left`;
  return [rate, left].filter(Boolean).join(', ');
}

/** What a phase reads as before the files move. */
function phaseWords(progress: IngestionProgress): string {
  if (progress.phase === 'starting') return progress.vectorStoreId ? 'starting' : 'starting (creating the vector store)';
  if (progress.phase === 'cancelled') return 'cancelled';
  return '';
}

/** A bar of `width` cells: `█` done, `▒` uploaded or processing, `░` not yet. */
export function progressBar(progress: IngestionProgress, width: number): string {
  if (!progress.total) return '░'.repeat(width);
  const done = progress.completed + progress.failed;
  const doneCells = Math.min(width, Math.floor((done * width) / progress.total));
  const startedCells = Math.min(width - doneCells, Math.max(0, Math.floor((Math.max(progress.uploaded, done) * width) / progress.total) - doneCells));
  return '█'.repeat(doneCells) + '▒'.repeat(startedCells) + '░'.repeat(width - doneCells - startedCells);
}

/** Where the progress goes: a stream and whether it is a terminal. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY: boolean;
  /** Terminal width (default 80). */
  columns?: number;
}

/** Draws ingestion progress: a redrawn line on a terminal, a plain line every few seconds otherwise. */
export class IngestProgressDisplay {
  private readonly pace: PaceMeter;
  private lastPlainLineAt = -Infinity;
  private lastPlainText = '';
  private drawn = false;
  private last: IngestionProgress | undefined;

  constructor(
    private readonly output: ProgressOutput = { write: (text) => process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY), columns: process.stderr.columns },
    private readonly now: () => number = Date.now,
    private readonly plainIntervalMs: number = PLAIN_LINE_INTERVAL_MS,
  ) {
    this.pace = new PaceMeter(now);
  }

  /** Shows a new reading. */
  update(progress: IngestionProgress): void {
    this.last = progress;
    const pace = this.pace.record(progress);
    if (this.output.isTTY) {
      this.output.write(`\r${this.ttyLine(progress, pace)}\u001b[K`);
      this.drawn = true;
      return;
    }
    const at = this.now();
    if (at - this.lastPlainLineAt < this.plainIntervalMs) return;
    this.writePlain(progress, pace, at);
  }

  /**
   * Ends the display: the final reading (when there is one) as the last line, and on a terminal
   * the cursor moved past the bar, so what follows starts on its own line.
   */
  finish(final: IngestionProgress | undefined = this.last): void {
    if (this.output.isTTY) {
      if (final) this.output.write(`\r${this.ttyLine(final, { filesPerSecond: undefined, secondsLeft: undefined })}\u001b[K`);
      if (final || this.drawn) this.output.write('\n');
      return;
    }
    if (final) this.writePlain(final, { filesPerSecond: undefined, secondsLeft: undefined }, this.now());
  }

  /** Clears the bar on a terminal before other text is written to the same stream. */
  interrupt(): void {
    if (this.output.isTTY && this.drawn) this.output.write('\r\u001b[K');
    this.drawn = false;
  }

  private writePlain(progress: IngestionProgress, pace: IngestPace, at: number): void {
    const phase = phaseWords(progress);
    const text = phase && !progress.uploaded ? `${phase}` : `${progressCounts(progress)}${paceWords(pace, progress) ? `; ${paceWords(pace, progress)}` : ''}`;
    if (text === this.lastPlainText) return;
    this.lastPlainText = text;
    this.lastPlainLineAt = at;
    this.output.write(`  ${clockTime(new Date(at))}  ${text}\n`);
  }

  private ttyLine(progress: IngestionProgress, pace: IngestPace): string {
    const columns = this.output.columns ?? 80;
    const phase = phaseWords(progress);
    const done = progress.completed + progress.failed;
    const percent = progress.total ? Math.floor((done * 100) / progress.total) : 0;
    const counts = `${done}/${progress.total}  uploaded ${progress.uploaded} · processing ${progress.processing} · completed ${progress.completed} · failed ${progress.failed}`;
    const tail = phase && !progress.uploaded ? phase : [counts, paceWords(pace, progress)].filter(Boolean).join(' · ');
    // A fixed width per terminal size, so the bar does not jump as the words change length.
    const barWidth = columns >= 120 ? 24 : columns >= 90 ? 16 : 10;
    const line = `${progressBar(progress, barWidth)} ${String(percent).padStart(3)}%  ${tail}`;
    // One line only: a wrapped line cannot be redrawn with \r.
    return line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`;
  }
}

/** How following an ingestion ended. */
export type IngestFollowOutcome =
  | { kind: 'result'; result: IngestionResult; final: IngestionProgress | undefined }
  | { kind: 'failure'; failure: WorkflowFailureDescription }
  | { kind: 'stopped' };

/** Options of {@link followIngestion}. */
export interface IngestFollowOptions {
  /** Shows progress; without it the progress is not polled. */
  display?: IngestProgressDisplay;
  /** Aborting stops following (the workflow keeps running). */
  signal?: AbortSignal;
  pollIntervalMs?: number;
}

/** Waits for the ingestion's result, showing progress meanwhile. Never throws for a failed workflow: returns it. */
export async function followIngestion(client: IngestionClient, workflowId: string, options: IngestFollowOptions = {}): Promise<IngestFollowOutcome> {
  // The result is a long poll: abort it when following stops, so no retry of it outlives the
  // connection (grpc-js throws from a timer when a retry hits a closed channel).
  const resultAbort = new AbortController();
  const ending: Promise<IngestFollowOutcome> = client.client.connection.withAbortSignal(resultAbort.signal, () => client.result(workflowId)).then(
    (result) => ({ kind: 'result', result, final: undefined }),
    (error: unknown) => ({ kind: 'failure', failure: describeWorkflowFailure(error) }),
  );
  const stopped = new Promise<IngestFollowOutcome>((resolve) => {
    if (options.signal?.aborted) resolve({ kind: 'stopped' });
    options.signal?.addEventListener('abort', () => resolve({ kind: 'stopped' }), { once: true });
  });
  const settled = Promise.race([ending, stopped]);
  let outcome: IngestFollowOutcome | undefined;
  void settled.then((first) => {
    outcome = first;
  });

  if (options.display) {
    while (!outcome) {
      // The query fails before the workflow's first task has run, and may time out under load: the next poll retries.
      const progress = await client.progress(workflowId).catch(() => undefined);
      if (outcome) break;
      if (progress) options.display.update(progress);
      await pause(options.pollIntervalMs ?? INGEST_POLL_INTERVAL_MS, settled);
    }
  }
  const first = await settled;
  if (first.kind === 'stopped') {
    resultAbort.abort();
    await ending;
    return first;
  }
  if (first.kind === 'result' && options.display) {
    // The last counts: a closed workflow's query is answered by a worker replaying it; bounded,
    // so a missing worker cannot hold the CLI.
    const final = await client.client.connection.withDeadline(Date.now() + 3_000, () => client.progress(workflowId)).catch(() => undefined);
    return { ...first, final };
  }
  return first;
}

/** Sleeps `ms`, or less when `until` settles first; leaves no timer behind. */
async function pause(ms: number, until: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), until.then(() => undefined)]);
  clearTimeout(timer);
}
