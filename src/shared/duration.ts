/**
 * Durations in workflow input: a number of milliseconds or a string Temporal understands
 * ('30s', '10 minutes', '2h'). The schema of a duration field is in duration-schema.ts: this
 * module is imported by workflows, which load zod only when they validate (see lazy-schemas.ts).
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bounds of a duration field, in milliseconds. */
export interface DurationBounds {
  min: number;
  max: number;
}

/** The bounds of any duration agentrun takes: positive, and at most a year (runs wait days, not decades). */
export const ANY_DURATION: DurationBounds = { min: 1, max: 366 * DAY };
/** How often to poll a provider: fast enough for tests, never a hot loop, never so slow a run seems lost. */
export const POLL_INTERVAL: DurationBounds = { min: 10, max: 1 * HOUR };
/** Retry intervals of provider calls. */
export const RETRY_INTERVAL: DurationBounds = { min: 10, max: 1 * DAY };

/** `90000` -> `1.5 minutes`, for messages that name a bound. */
export function describeDuration(milliseconds: number): string {
  const units: Array<[number, string]> = [[DAY, 'days'], [HOUR, 'hours'], [MINUTE, 'minutes'], [SECOND, 's']];
  for (const [size, name] of units) {
    if (milliseconds >= size) return `${Number((milliseconds / size).toFixed(2))} ${name}`;
  }
  return `${milliseconds} ms`;
}

/** A validated duration, in milliseconds. */
export function durationMs(value: number | string): number {
  return msToNumber(value as Duration);
}
