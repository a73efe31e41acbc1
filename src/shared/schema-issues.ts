/**
 * How validation issues read to people, and a checked input. Type-only use of zod: workflows
 * import this module at load (see src/workflows/lazy-schemas.ts).
 */
import type { z } from 'zod/v4/mini';

/**
 * Turns zod issues into one sentence per field: `temperature: Too big: expected number to be <=2`.
 * The path uses the caller's field names so the fix is obvious.
 */
export function describeIssues(error: { issues: readonly z.core.$ZodIssue[] }): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.').replace(/\.\[/g, '[') : '(input)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** A field's problem, as the workflow's failure details list it. */
export interface InputIssue {
  path: string[];
  message: string;
}

/** A checked input: its validated form (defaults filled), or why it is refused. */
export type InputCheck<Validated> = { valid: true; input: Validated } | { valid: false; message: string; issues: InputIssue[] };

/** `schema.safeParse(raw)` as an `InputCheck`. */
export function checkInput<Validated>(
  schema: { safeParse(raw: unknown): { success: true; data: Validated } | { success: false; error: Parameters<typeof describeIssues>[0] } },
  raw: unknown,
): InputCheck<Validated> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { valid: true, input: parsed.data };
  return { valid: false, message: describeIssues(parsed.error), issues: parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })) };
}
