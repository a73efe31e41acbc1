import { randomBytes } from 'node:crypto';

/** The id prefixes the real service uses. */
export type IdPrefix = 'asst' | 'thread' | 'msg' | 'run' | 'step' | 'call' | 'req' | 'vs';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Length of the random part: real ids look like `run_` + 24 alphanumeric characters. */
const RANDOM_PART_LENGTH = 24;

/**
 * A new id that looks like the real service's (`run_` + 24 alphanumeric characters).
 * Ids are random, not seeded: tests must never depend on their value, only on their shape.
 */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(RANDOM_PART_LENGTH);
  let random = '';
  for (const byte of bytes) {
    random += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  }
  return `${prefix}_${random}`;
}

/** Unix time in whole seconds, the unit of every `*_at` field on the wire. */
export function unixSeconds(milliseconds: number = Date.now()): number {
  return Math.floor(milliseconds / 1000);
}
