import { randomBytes } from 'node:crypto';

/** The id prefixes the real service uses. */
export type IdPrefix = 'asst' | 'thread' | 'msg' | 'run' | 'step' | 'call' | 'req' | 'vs' | 'vsfb';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Length of the random part: real ids look like `run_` + 24 alphanumeric characters. */
const RANDOM_PART_LENGTH = 24;

/**
 * A new id that looks like the real service's (`run_` + 24 alphanumeric characters).
 * Ids are random, not seeded: tests must never depend on their value, only on their shape.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomAlphanumeric(RANDOM_PART_LENGTH)}`;
}

/** Length of the random part of a file id: real ones look like `file-` + 22 alphanumeric characters. */
const FILE_ID_RANDOM_LENGTH = 22;

/** A new file id in the service's own style, with a dash: `file-1DpaZta9xg4paUYU73jXpN`. */
export function newFileId(): string {
  return `file-${randomAlphanumeric(FILE_ID_RANDOM_LENGTH)}`;
}

function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let random = '';
  for (const byte of bytes) {
    random += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  }
  return random;
}

/** Unix time in whole seconds, the unit of every `*_at` field on the wire. */
export function unixSeconds(milliseconds: number = Date.now()): number {
  return Math.floor(milliseconds / 1000);
}
