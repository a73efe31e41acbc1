/**
 * Plain-text building blocks of the CLI's human output: optional ANSI styles, clock times,
 * aligned tables, shell quoting and the command name to show in suggestions.
 */
import * as path from 'node:path';
import type { TokenUsage } from '../shared/agent-types';

/** Styles apply only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

function ansi(open: number, close: number): (text: string) => string {
  return (text) => (useColor ? `\u001b[${open}m${text}\u001b[${close}m` : text);
}

/** ANSI styles that disappear when output is not a terminal. */
export const style = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};

/** `HH:MM:SS` local time of an ISO timestamp (the timeline's `at`). */
export function clockTime(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

/** Rows under headers, columns padded to the widest cell (the last column is not padded). */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Quotes a value for a POSIX shell when it needs it, so suggested commands paste as they are. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  // Double quotes read better ("What's up?") and are safe while nothing in them expands.
  if (!/["$`\\!]/.test(value)) return `"${value}"`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text cut to `maxChars` on one line (newlines shown as spaces), with an ellipsis when cut. */
export function oneLine(text: string, maxChars = 160): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
}

/** Every line of `text` prefixed with `prefix`. */
export function indent(text: string, prefix = '  '): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

/** `123 tokens (prompt 100, completion 23)`. */
export function formatUsage(usage: TokenUsage): string {
  return `${usage.totalTokens} tokens (prompt ${usage.promptTokens}, completion ${usage.completionTokens})`;
}

/**
 * How to invoke this CLI in a suggested command: `agentrun` when installed (the npm bin), or
 * `node <path>/cli.js` when run from a checkout, where `agentrun` is not on PATH and `npx agentrun`
 * would look for an unrelated package on the registry.
 */
export function cliInvocation(): string {
  const script = process.argv[1] ?? '';
  if (path.basename(script) !== 'cli.js') return 'agentrun';
  const relative = path.relative(process.cwd(), script);
  return `node ${shellQuote(relative.startsWith('..') || path.isAbsolute(relative) ? script : relative)}`;
}
