import type { ThreadRecord } from './store';
import type { MessageObject } from './wire-types';

/**
 * What the scripted model "says" and what it costs: the default answer, token counts derived from
 * text lengths (deterministic, so tests can assert on usage), and how an answer is cut into deltas.
 */

/** The answer when there is no script (or it ran out): echoes the last user message. */
export function defaultAnswer(thread: ThreadRecord): string {
  const lastUser = [...thread.messages].reverse().find((message) => message.role === 'user');
  return lastUser === undefined ? 'Hello from the agentrun emulator.' : `You said: ${messageText(lastUser)}`;
}

/** The text parts of a message, joined. */
export function messageText(message: MessageObject): string {
  return message.content.map((part) => (part.type === 'text' ? part.text.value : '')).join('');
}

/** A rough, deterministic token count: four characters a token. */
export function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Splits text into at most `count` chunks of whole code points (never half a surrogate pair). */
export function splitIntoChunks(text: string, count: number): string[] {
  const codePoints = Array.from(text);
  if (codePoints.length === 0) return [];
  const size = Math.ceil(codePoints.length / count);
  const chunks: string[] = [];
  for (let start = 0; start < codePoints.length; start += size) {
    chunks.push(codePoints.slice(start, start + size).join(''));
  }
  return chunks;
}
