/**
 * Payload encryption: AES-256-GCM over each payload, as Temporal's encryption samples do it. The
 * worker, the client, every CLI command and the codec server use the same codec, so tool
 * arguments, outputs, decisions and the conversation sit in workflow history encrypted.
 *
 * Keys have ids. New payloads use the first (current) key; a payload names the key it was
 * encrypted with (`encryption-key-id`), so after a rotation old runs stay readable as long as
 * their key is still listed. Keys come from `AGENTRUN_ENCRYPTION_KEYS` (`id:base64,...`, each
 * key 32 bytes, the first current) or from a key provider given in code.
 *
 * Node's own crypto does the work (no dependency): a fresh 12-byte IV per payload, the 16-byte
 * tag appended, the payload's protobuf encoding as plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** How Temporal's samples and codec servers mark an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** The environment variable that lists the keys. */
export const ENCRYPTION_KEYS_VARIABLE = 'AGENTRUN_ENCRYPTION_KEYS';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** One key: its id (recorded on every payload it encrypts) and its 32 bytes. */
export interface EncryptionKey {
  id: string;
  key: Uint8Array;
}

/** A payload that cannot be decrypted: the message says which key it needs, never any key material. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

/** A key list that cannot be used: the message names the entry and the fix. */
export class EncryptionKeysError extends Error {
  override name = 'EncryptionKeysError';
}

/**
 * Parses `AGENTRUN_ENCRYPTION_KEYS`: `id:base64` entries separated by commas, the first current.
 * Undefined when the variable is unset or empty (no encryption).
 */
export function encryptionKeysFromEnvironment(env: NodeJS.ProcessEnv = process.env): EncryptionKey[] | undefined {
  const value = env[ENCRYPTION_KEYS_VARIABLE]?.trim();
  if (!value) return undefined;
  const keys = value.split(',').map((entry, index) => parseKeyEntry(entry.trim(), index));
  return checkedKeys(keys);
}

function parseKeyEntry(entry: string, index: number): EncryptionKey {
  const where = `${ENCRYPTION_KEYS_VARIABLE} entry ${index + 1}`;
  const separator = entry.indexOf(':');
  if (separator <= 0) throw new EncryptionKeysError(`${where} is not "id:base64": write each key as an id, a colon and 32 bytes in base64 (openssl rand -base64 32)`);
  const id = entry.slice(0, separator);
  const encoded = entry.slice(separator + 1);
  // Never echo the key itself: errors end up in logs.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new EncryptionKeysError(`${where} (key id "${id}") is not base64: give 32 random bytes in base64 (openssl rand -base64 32)`);
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_BYTES) throw new EncryptionKeysError(`${where} (key id "${id}") is ${key.length} bytes: AES-256 needs exactly 32 (openssl rand -base64 32)`);
  return { id, key };
}

/** The keys, checked: at least one, ids well formed and unique, every key 32 bytes. */
export function checkedKeys(keys: readonly EncryptionKey[]): EncryptionKey[] {
  if (keys.length === 0) throw new EncryptionKeysError('no encryption key given: list at least one (id:base64), the current one first');
  const seen = new Set<string>();
  for (const { id, key } of keys) {
    if (!KEY_ID_PATTERN.test(id)) throw new EncryptionKeysError(`encryption key id "${id}" is not allowed: use 1 to 64 letters, digits, ".", "_" or "-"`);
    if (seen.has(id)) throw new EncryptionKeysError(`encryption key id "${id}" is listed twice: each key needs its own id`);
    if (key.length !== KEY_BYTES) throw new EncryptionKeysError(`encryption key "${id}" is ${key.length} bytes: AES-256 needs exactly 32`);
    seen.add(id);
  }
  return keys.map(({ id, key }) => ({ id, key: Uint8Array.from(key) }));
}

/**
 * Encrypts every payload with the current (first) key; decrypts with whichever listed key a
 * payload names. Payloads that are not encrypted pass through `decode` unchanged, so runs
 * recorded before encryption was turned on stay readable.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  // ECMAScript private fields: no log line, inspect or JSON of the worker's options can show them
  // (the SDK logs its options at debug level, codecs included).
  readonly #current: EncryptionKey;
  readonly #byId: Map<string, Uint8Array>;

  constructor(keys: readonly EncryptionKey[]) {
    const checked = checkedKeys(keys);
    this.#current = checked[0]!;
    this.#byId = new Map(checked.map(({ id, key }) => [id, key]));
  }

  /** The id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.#current.id) }, data };
  }

  private decrypt(payload: Payload): Payload {
    if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    const keyId = keyIdBytes ? Buffer.from(keyIdBytes).toString() : '';
    const key = this.#byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with key "${keyId || '(none named)'}", which is not among the listed keys (${[...this.#byId.keys()].join(', ')}): add it to ${ENCRYPTION_KEYS_VARIABLE} (after the current key) to read runs recorded with it`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`a payload encrypted with key "${keyId}" is truncated (${data.length} bytes)`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`a payload does not decrypt with key "${keyId}": the key listed under that id is not the one it was encrypted with, or the payload was altered`);
    }
    return temporal.api.common.v1.Payload.decode(plaintext) as Payload;
  }
}
