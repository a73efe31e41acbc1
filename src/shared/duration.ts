/**
 * Durations in workflow input: a number of milliseconds or a string Temporal understands
 * ('30s', '10 minutes', '2h').
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';

/** A duration field: validated once at the edge, kept as given (JSON-plain for history). */
export const durationSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]).superRefine((value, context) => {
  try {
    msToNumber(value as Duration);
  } catch {
    context.addIssue({ code: 'custom', message: `"${value}" is not a duration: use milliseconds or a string like "30s", "10 minutes", "2h"` });
  }
});

/** A validated duration, in milliseconds. */
export function durationMs(value: number | string): number {
  return msToNumber(value as Duration);
}
