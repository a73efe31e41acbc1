import { z } from 'zod/v4';
import type { VectorStoreFileErrorCode } from './wire-types';

/** What a scripted file does once attached to a vector store. */
export const FILE_OUTCOMES = ['completed', 'failed', 'stuck'] as const;

/** `completed` or `failed` after its duration, or `stuck`: `in_progress` until cancelled. */
export type FileOutcome = (typeof FILE_OUTCOMES)[number];

/** `last_error` of a failed vector store file. */
export interface FileProcessingError {
  code: VectorStoreFileErrorCode;
  message: string;
}

/**
 * A scripted processing outcome for files attached to a vector store, chosen by file name.
 *
 * - `match`: a glob on the uploaded file's `filename` (`*` any run of characters, `?` one character),
 *   e.g. `'bad-*.txt'` or `'*'`.
 * - `durationMs`: how long the file stays `in_progress` (default: the emulator's `fileProcessingMs`).
 * - `error`: `last_error` of a `failed` file (default `server_error`).
 * - `times`: apply to the next N matching attachments, then retire the rule (default: until cleared).
 *
 * Rules are checked in the order they were added; the first match wins and takes precedence over
 * the filename convention (`.fail.`, `.stuck.`, `.slow.`) and over the empty-file check.
 */
export interface FileOutcomeRule {
  match: string;
  outcome: FileOutcome;
  durationMs?: number;
  error?: FileProcessingError;
  times?: number;
}

/** Validates a rule posted to `POST /_emulator/file-outcomes` or passed to `addFileOutcome`. */
export const fileOutcomeRuleSchema = z
  .strictObject({
    match: z.string().min(1),
    outcome: z.enum(FILE_OUTCOMES),
    durationMs: z.int().min(0).optional(),
    error: z
      .strictObject({ code: z.enum(['server_error', 'unsupported_file', 'invalid_file']), message: z.string() })
      .optional(),
    times: z.int().min(1).optional(),
  })
  .refine((rule) => rule.error === undefined || rule.outcome === 'failed', {
    message: '"error" only goes with outcome "failed"',
    path: ['error'],
  });

/** Checks a rule; throws an Error naming the bad field. */
export function parseFileOutcomeRule(value: unknown): FileOutcomeRule {
  const result = fileOutcomeRuleSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'the rule' : issue.path.join('.');
  throw new Error(`Invalid FileOutcomeRule at ${where}: ${issue?.message ?? 'invalid'}`);
}

/**
 * What will happen to one attached file, decided when it is attached: after `durationMs` in
 * `in_progress` it completes, or fails with `error`; a `stuck` file never leaves `in_progress`.
 */
export type ProcessingPlan =
  | { outcome: 'completed' | 'stuck'; durationMs: number }
  | { outcome: 'failed'; durationMs: number; error: FileProcessingError };

/** How much longer a `.slow.` file takes than the default. */
export const SLOW_FILE_FACTOR = 10;

/** `last_error` of a `failed` rule that gives none. */
const DEFAULT_RULE_ERROR: FileProcessingError = {
  code: 'server_error',
  message: 'An internal error occurred while processing the file.',
};

/** `last_error` of a file whose name contains `.fail.`. */
export const CONVENTION_FAILURE: FileProcessingError = { code: 'invalid_file', message: 'The file could not be parsed.' };

/** `last_error` of an empty file, as the service reports it. */
export const EMPTY_FILE_FAILURE: FileProcessingError = { code: 'invalid_file', message: 'The file is empty.' };

interface ActiveRule {
  rule: FileOutcomeRule;
  pattern: RegExp;
  remaining: number | undefined;
}

/**
 * Decides each attached file's fate: the test's rules first, then the empty-file check, then the
 * filename convention usable without any admin call (from the CLI or a benchmark): a name containing
 * `.stuck.` stays `in_progress`, `.fail.` fails with `invalid_file`, `.slow.` takes ten times the
 * default duration (and combines with the other two).
 */
export class FileOutcomeScript {
  private rules: ActiveRule[] = [];

  /** Adds a rule (validated; throws a readable error for a bad one). */
  add(rule: FileOutcomeRule): void {
    const parsed = parseFileOutcomeRule(rule);
    this.rules.push({ rule: parsed, pattern: globToRegExp(parsed.match), remaining: parsed.times });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The plan for a file with this name and size; consumes one use of the matching rule. */
  plan(filename: string, bytes: number, defaultDurationMs: number): ProcessingPlan {
    const active = this.rules.find((candidate) => candidate.pattern.test(filename));
    if (active !== undefined) {
      if (active.remaining !== undefined) {
        active.remaining -= 1;
        if (active.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== active);
      }
      const { rule } = active;
      const durationMs = rule.durationMs ?? defaultDurationMs;
      return rule.outcome === 'failed'
        ? { outcome: 'failed', durationMs, error: rule.error ?? DEFAULT_RULE_ERROR }
        : { outcome: rule.outcome, durationMs };
    }
    const durationMs = filename.includes('.slow.') ? defaultDurationMs * SLOW_FILE_FACTOR : defaultDurationMs;
    if (bytes === 0) return { outcome: 'failed', durationMs, error: EMPTY_FILE_FAILURE };
    if (filename.includes('.stuck.')) return { outcome: 'stuck', durationMs };
    if (filename.includes('.fail.')) return { outcome: 'failed', durationMs, error: CONVENTION_FAILURE };
    return { outcome: 'completed', durationMs };
  }
}

/** `bad-*.txt` -> `/^bad-.*\.txt$/`: `*` is any run of characters, `?` one character, the rest literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const character of glob) {
    if (character === '*') source += '[\\s\\S]*';
    else if (character === '?') source += '[\\s\\S]';
    else source += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
