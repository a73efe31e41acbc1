/** A request body read whole, with a size limit: the webhook receiver's and the codec server's. */
import type { IncomingMessage } from 'node:http';

/** The body as utf8 text (kept exactly: webhook signatures cover the raw bytes), or undefined when it exceeds `maxBytes`. */
export async function readLimitedBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
