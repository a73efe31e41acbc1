/**
 * Function tools, defined by users and registered on the worker. `parameters` is a zod 3 or a
 * zod 4 schema, from whichever zod the user's code imports (see `tool-schema.ts`).
 *
 * ```ts
 * import { defineTool } from 'agentrun';
 * import { z } from 'zod';
 * export default [
 *   defineTool({
 *     name: 'get_weather',
 *     description: 'Current weather for a city',
 *     parameters: z.object({ city: z.string() }),
 *     idempotent: true,
 *     handler: async ({ city }, { idempotencyKey, signal }) => fetchWeather(city, { signal }),
 *   }),
 * ];
 * ```
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ToolDefinition } from '../shared/agent-types';
import type { ToolPolicy } from '../shared/run-input';
import { isToolParametersSchema, toolParametersJsonSchema, type ToolArguments, type ToolParametersSchema } from './tool-schema';

/** What a handler gets besides its arguments. */
export interface ToolContext {
  /** `workflowId/toolCallId`: the same on every retry and after a worker crash; use it to deduplicate side effects. */
  idempotencyKey: string;
  toolCallId: string;
  workflowId: string;
  /** Aborted when the workflow is cancelled or the activity times out. */
  signal: AbortSignal;
}

/** What `defineTool` takes. */
export interface ToolSpec<Parameters extends ToolParametersSchema> {
  /** The function name the model calls (1-64 letters, digits, _ or -). */
  name: string;
  description?: string;
  /** zod 3 or zod 4 schema of the arguments; the model's arguments are validated against it before the handler runs. */
  parameters: Parameters;
  /** Returns the output: a string as is, anything else as JSON. Throwing gives the model an error output. */
  handler: (args: ToolArguments<Parameters>, context: ToolContext) => unknown;
  /** auto (default): run on the worker. approval: a person approves each call first. external: the output comes from outside. */
  policy?: ToolPolicy;
  /** Safe to run twice with the same arguments: retried on failure (up to 3 attempts). Default false: one attempt. */
  idempotent?: boolean;
  /** How long one attempt may take (default '5 minutes'). */
  timeout?: string | number;
}

/** A tool ready for the worker. */
export interface Tool {
  readonly kind: 'agentrun.tool';
  readonly name: string;
  readonly description?: string;
  readonly parameters: ToolParametersSchema;
  readonly handler: (args: unknown, context: ToolContext) => unknown;
  readonly policy: ToolPolicy;
  readonly idempotent: boolean;
  readonly timeoutMs: number;
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Defines a function tool. Throws at definition time for a bad name, schema or timeout. */
export function defineTool<Parameters extends ToolParametersSchema>(spec: ToolSpec<Parameters>): Tool {
  if (!NAME_PATTERN.test(spec.name ?? '')) throw new Error(`defineTool: name "${spec.name}" must be 1-64 letters, digits, _ or -`);
  if (!isToolParametersSchema(spec.parameters)) throw new Error(`defineTool(${spec.name}): parameters must be a zod schema (zod 3 or zod 4), e.g. z.object({ city: z.string() })`);
  if (typeof spec.handler !== 'function') throw new Error(`defineTool(${spec.name}): handler must be a function`);
  const policy = spec.policy ?? 'auto';
  if (!['auto', 'approval', 'external'].includes(policy)) throw new Error(`defineTool(${spec.name}): policy must be auto, approval or external`);
  let timeoutMs: number;
  try {
    timeoutMs = msToNumber((spec.timeout ?? '5 minutes') as Duration);
  } catch {
    throw new Error(`defineTool(${spec.name}): timeout "${spec.timeout}" is not a duration (e.g. "30s", 60000)`);
  }
  return {
    kind: 'agentrun.tool',
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
    handler: spec.handler as Tool['handler'],
    policy,
    idempotent: spec.idempotent ?? false,
    timeoutMs,
  };
}

/** True for values made by {@link defineTool}. */
export function isTool(value: unknown): value is Tool {
  return typeof value === 'object' && value !== null && (value as Tool).kind === 'agentrun.tool';
}

/** Function tool definitions (JSON Schema from the zod 3 or zod 4 schemas), e.g. to create an assistant or pass as a run's `tools`. */
export function toolDefinitions(tools: readonly Tool[]): ToolDefinition[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: toolParametersJsonSchema(tool.parameters) }));
}
