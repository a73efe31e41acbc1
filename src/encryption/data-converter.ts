/**
 * The data converter every agentrun process uses: Temporal's default, plus the encryption codec
 * when keys are configured. One function, so the worker, the client, the CLI and the codec server
 * cannot disagree about how payloads are encoded.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, encryptionKeysFromEnvironment, type EncryptionKey } from './encryption-codec';

/** Where keys come from: a list, or a function a key service backs (called once per process). */
export type EncryptionKeySource = readonly EncryptionKey[] | (() => readonly EncryptionKey[]);

/**
 * The data converter for `keys` (default: `AGENTRUN_ENCRYPTION_KEYS`); undefined when there are no
 * keys (unset, or an empty list), so Temporal's default applies.
 */
export function agentrunDataConverter(keys: EncryptionKeySource | undefined = encryptionKeysFromEnvironment()): DataConverter | undefined {
  const listed = typeof keys === 'function' ? keys() : keys;
  if (!listed?.length) return undefined;
  return { payloadCodecs: [new AesGcmPayloadCodec(listed)] };
}
