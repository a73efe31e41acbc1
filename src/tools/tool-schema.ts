/**
 * A tool's parameters from either zod the user has: zod 3 (`import { z } from 'zod'` on zod 3.x)
 * or zod 4 (zod 4's `zod` or `zod/v4`, zod 3.25's `zod/v4`, `zod/v4/mini`).
 *
 * Schemas are recognised by shape, never by `instanceof`: the user's zod is often another copy
 * than the one agentrun resolves (zod 3 in the user's service, a nested install), and `instanceof`
 * is false across copies. A zod 4 schema keeps its internals under `_zod`; a zod 3 schema has
 * `_def` and `safeParse` and no `_zod` (zod's guidance for libraries that support both).
 */
import { z } from 'zod/v4';
import { zodToJsonSchema } from 'zod-to-json-schema';

// The types are structural too: zod's own class types do not cross copies (a zod 3 schema from
// the user's copy is not assignable to agentrun's `zod/v3` types, and checking it sends tsc into
// "excessively deep" instantiations; zod 3.25's v4 types are not zod 4's), so only the few
// members agentrun reads are named here.

/** A zod 4 schema (zod 4's `zod` or `zod/v4`, zod 3.25's `zod/v4`, zod mini): internals under `_zod`. */
export interface Zod4Schema {
  readonly _zod: { readonly def: object; readonly output: unknown };
  safeParse(value: unknown): unknown;
}

/** A zod 3 schema (zod 3.x's `zod`, or `zod/v3`): `_def`, `_output` and `safeParse`, no `_zod`. */
export interface Zod3Schema {
  readonly _def: object;
  readonly _output: unknown;
  safeParse(value: unknown): unknown;
}

/** What a tool's `parameters` may be. */
export type ToolParametersSchema = Zod4Schema | Zod3Schema;

/** The arguments a handler receives: the schema's output type, in either zod (zod 4 first: its classic schemas also carry `_output`). */
export type ToolArguments<Schema extends ToolParametersSchema> = Schema extends { readonly _zod: { readonly output: infer Output } } ? Output : Schema extends { readonly _output: infer Output } ? Output : never;

/** One thing wrong with the arguments, as the schema's own zod reported it. */
export interface ToolArgumentIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** The result of validating arguments against a tool's parameters. */
export type ToolArgumentsCheck = { success: true; data: unknown } | { success: false; issues: ToolArgumentIssue[] };

/** What both zods' schemas answer to `safeParse`. */
interface SafeParsing {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: ReadonlyArray<ToolArgumentIssue> } };
}

function hasSafeParse(value: object): boolean {
  return typeof (value as Partial<SafeParsing>).safeParse === 'function';
}

/** True for a zod 4 schema from any copy of zod (its internals live under `_zod`). */
export function isZod4Schema(value: unknown): value is Zod4Schema {
  return typeof value === 'object' && value !== null && '_zod' in value && hasSafeParse(value);
}

/** True for a zod 3 schema from any copy of zod (`_def` and `safeParse`, no `_zod`). */
export function isZod3Schema(value: unknown): value is Zod3Schema {
  return typeof value === 'object' && value !== null && !('_zod' in value) && '_def' in value && hasSafeParse(value);
}

/** True for a schema `defineTool` accepts. */
export function isToolParametersSchema(value: unknown): value is ToolParametersSchema {
  return isZod4Schema(value) || isZod3Schema(value);
}

/**
 * Validates with the schema's own `safeParse`, so the user's zod (3 or 4, whichever copy) decides
 * and words the issues; only their path and message are kept, the same for both.
 */
export function checkToolArguments(schema: ToolParametersSchema, value: unknown): ToolArgumentsCheck {
  const parsed = (schema as unknown as SafeParsing).safeParse(value);
  if (parsed.success) return { success: true, data: parsed.data };
  return { success: false, issues: parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message })) };
}

/**
 * The JSON Schema of a tool's parameters (without `$schema`), describing what the model may send.
 *
 * zod 4 schemas go through zod 4's own `toJSONSchema`, as before. zod 3 has no converter of its
 * own; `zod-to-json-schema` (what vercel/ai uses for zod 3) is set to give what zod 4 gives for the
 * same schema: no `$ref`s (zod 4 inlines reused schemas), the input side of pipes, and no
 * `additionalProperties` on an object that strips unknown keys (the input accepts them), `false`
 * on a strict one.
 */
export function toolParametersJsonSchema(schema: ToolParametersSchema): Record<string, unknown> {
  const converted = isZod4Schema(schema)
    ? z.toJSONSchema(schema as unknown as z.core.$ZodType, { io: 'input', unrepresentable: 'any', override: keepOwnDescription })
    : zodToJsonSchema(schema as unknown as Parameters<typeof zodToJsonSchema>[0], { $refStrategy: 'none', pipeStrategy: 'input', removeAdditionalStrategy: 'strict', allowedAdditionalProperties: undefined });
  const { $schema: _schema, ...jsonSchema } = converted as Record<string, unknown>;
  return jsonSchema;
}

/**
 * `.describe()` text lives in a registry of the zod copy that made the schema. Recent zod 4 shares that
 * registry between copies (through `globalThis`); zod 3.25's `zod/v4` does not, so a schema made by
 * another copy than agentrun's would lose its descriptions here. The schema itself still knows its
 * description: take it from there when the registry had none.
 */
function keepOwnDescription({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: { description?: string } }): void {
  if (jsonSchema.description !== undefined) return;
  const description = (zodSchema as { description?: unknown }).description;
  if (typeof description === 'string') jsonSchema.description = description;
}
