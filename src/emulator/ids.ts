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

/**
 * Id prefixes of the Responses and Conversations APIs (and their webhooks), whose ids are a prefix
 * and lowercase hex: `resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41`, `conv_...`,
 * `msg_...`, `fc_...`; `evt_` + 32 hex for webhook events. `fco` (function call output), `mcpr`
 * (approval request), `mcpa` (approval response) and `mcp` (MCP call) items are the emulator's
 * choice of prefix for items whose real prefixes the reference material does not show.
 */
export type HexIdPrefix = 'resp' | 'conv' | 'msg' | 'fc' | 'fco' | 'mcpr' | 'mcpa' | 'mcp' | 'evt' | 'wh';

/** A new Responses-family id: the prefix and 48 hex characters (32 for `evt_` and `wh_`). */
export function newHexId(prefix: HexIdPrefix): string {
  const length = prefix === 'evt' || prefix === 'wh' ? 32 : 48;
  return `${prefix}_${randomBytes(length / 2).toString('hex')}`;
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
