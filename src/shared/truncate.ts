/**
 * Bounded text, with a note the model (or a person) can read when something was cut.
 */

/** Returns `text` if it fits in `maxChars`, else its head and a note saying how much was kept. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = `\n[agentrun: truncated to ${maxChars} of ${text.length} characters]`;
  return `${text.slice(0, Math.max(0, maxChars - note.length))}${note}`;
}
