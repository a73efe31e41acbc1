/** The schema of a duration field in workflow input (zod Mini). */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod/v4/mini';
import { ANY_DURATION, describeDuration, type DurationBounds } from './duration';
import { checkWith } from './schema-on-demand';

/**
 * A duration field bounded by `bounds`: validated once at the edge, kept as given (JSON-plain for
 * history). Zero, negative and absurdly long durations are refused with the bounds named.
 */
export function boundedDuration(bounds: DurationBounds = ANY_DURATION) {
  return z.union([z.number(), z.string().check(z.minLength(1))]).check(
    checkWith<number | string>((value, report) => {
      let milliseconds: number;
      try {
        milliseconds = msToNumber(value as Duration);
      } catch {
        report(`"${value}" is not a duration: use milliseconds or a string like "30s", "10 minutes", "2h"`);
        return;
      }
      if (!Number.isFinite(milliseconds) || milliseconds < bounds.min || milliseconds > bounds.max) {
        report(`"${value}" is out of range: give a duration from ${describeDuration(bounds.min)} to ${describeDuration(bounds.max)}`);
      }
    }),
  );
}
