import type { z } from 'zod/v4';
import { EmulatorHttpError, invalidRequest } from './errors';
import type { OpenAIIssueParams } from './request-schemas';

/**
 * Turns zod issues into the real service's 400 error object. The service reports one problem per
 * request; it names the parameter in its own path style (`tool_outputs[0].output`,
 * `thread.messages[0].role`) and uses a fixed vocabulary of codes (`unknown_parameter`,
 * `missing_required_parameter`, `invalid_type`, `invalid_value`, `decimal_above_max_value`, ...).
 */

type Issue = z.core.$ZodIssue;
type PathSegment = PropertyKey;

/**
 * Validates a request body and returns the parsed value, or throws the 400 the real service would send.
 */
export function parseRequestBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body, { reportInput: true, error: rememberDiscriminator });
  if (result.success) {
    return result.data;
  }
  throw issuesToError(result.error.issues);
}

/** What a discriminated union accepts, for the object that matched none of its options. */
interface DiscriminatorFacts {
  discriminator: string;
  options: unknown[];
}

/**
 * zod 4 names the discriminator and its values on a "No matching discriminator" issue; zod 3.25's
 * `zod/v4` leaves both out. The union schema itself knows them, and a per-parse error map sees each
 * raw issue with its schema (`inst`) before zod finishes it: keep them there, keyed by the input
 * object (the finished issue, nested in a union's `errors` or not, carries the same object).
 * Returning nothing leaves the message to zod.
 */
const discriminatorsByInput = new WeakMap<object, DiscriminatorFacts>();

function rememberDiscriminator(issue: { code?: string; note?: string; input?: unknown; inst?: unknown }): undefined {
  if (issue.code !== 'invalid_union' || issue.note !== 'No matching discriminator') return undefined;
  if (typeof issue.input !== 'object' || issue.input === null) return undefined;
  const internals = (issue.inst as { _zod?: { def?: { discriminator?: unknown }; propValues?: Record<string, Set<unknown>> } } | undefined)?._zod;
  const discriminator = internals?.def?.discriminator;
  if (typeof discriminator !== 'string') return undefined;
  discriminatorsByInput.set(issue.input, { discriminator, options: [...(internals?.propValues?.[discriminator] ?? [])] });
  return undefined;
}

function discriminatorFacts(issue: Extract<Issue, { code: 'invalid_union' }>): DiscriminatorFacts | undefined {
  const named = issue as { discriminator?: string; options?: unknown[] };
  if (named.discriminator !== undefined) return { discriminator: named.discriminator, options: named.options ?? [] };
  return typeof issue.input === 'object' && issue.input !== null ? discriminatorsByInput.get(issue.input) : undefined;
}

/** The single error the service would report for these issues. */
export function issuesToError(issues: readonly Issue[]): EmulatorHttpError {
  const first = [...issues].sort((left, right) => issuePriority(left) - issuePriority(right))[0];
  if (first === undefined) {
    return invalidRequest('Invalid request body.');
  }
  return issueToError(first, []);
}

/**
 * The service reports unknown parameters before missing ones, and both before bad values; keeping
 * that order makes the emulator's answer match when a request has several problems.
 */
function issuePriority(issue: Issue): number {
  if (issue.code === 'unrecognized_keys') return 0;
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) return 1;
  return 2;
}

function issueToError(issue: Issue, prefix: readonly PathSegment[]): EmulatorHttpError {
  const path = [...prefix, ...issue.path];
  const param = formatParam(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const unknown = formatParam([...path, issue.keys[0] ?? '']);
      return invalidRequest(`Unknown parameter: '${unknown}'.`, unknown, 'unknown_parameter');
    }
    case 'invalid_type':
      return invalidTypeError(param, [describeExpected(issue.expected)], issue.input);
    case 'invalid_value':
      // zod reports a missing enum field as a bad value; the service calls it missing.
      if (issue.input === undefined) {
        return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
      }
      return invalidValueError(param, issue.values, issue.input);
    case 'invalid_union':
      return unionError(issue, path);
    case 'too_big':
    case 'too_small':
      return boundError(issue, param);
    case 'invalid_format': {
      // zod reports a regex as `/source/flags`; the service quotes the bare pattern.
      const pattern = (issue.pattern ?? issue.format).replace(/^\/(.*)\/[a-z]*$/, '$1');
      return invalidRequest(
        `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${pattern}'.`,
        param,
        'invalid_value',
      );
    }
    case 'custom':
      return customError(issue, path);
    default:
      return invalidRequest(`Invalid '${param}': ${issue.message}`, nullIfEmpty(param), 'invalid_value');
  }
}

function invalidTypeError(param: string, expected: string[], input: unknown): EmulatorHttpError {
  if (input === undefined) {
    return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  const wanted = expected.length === 1 ? expected[0] : `one of ${joinWithOr(expected)}`;
  const subject = param === '' ? 'body' : `'${param}'`;
  return invalidRequest(
    `Invalid type for ${subject}: expected ${wanted}, but got ${describeValue(input)} instead.`,
    nullIfEmpty(param),
    'invalid_type',
  );
}

function invalidValueError(param: string, values: readonly unknown[], input: unknown): EmulatorHttpError {
  const supported = joinWithAnd(values.map((value) => `'${String(value)}'`));
  return invalidRequest(`Invalid value: '${String(input)}'. Supported values are: ${supported}.`, param, 'invalid_value');
}

/**
 * Unions are reported by the branch that got furthest: a branch whose type matched the input explains the
 * problem best (a bad enum value, a nested unknown key). When no branch matched the input's type, the
 * service lists every type it would have accepted.
 */
function unionError(issue: Extract<Issue, { code: 'invalid_union' }>, path: PathSegment[]): EmulatorHttpError {
  const discriminator = discriminatorFacts(issue);
  if (discriminator !== undefined) {
    return discriminatorError(issue, path, discriminator);
  }
  let best: Issue | undefined;
  let bestScore = -1;
  const expected: string[] = [];
  for (const branch of issue.errors) {
    const typeMismatch = branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
    if (typeMismatch) {
      for (const inner of branch) {
        if (inner.code === 'invalid_type') expected.push(describeExpected(inner.expected));
      }
      continue;
    }
    for (const inner of branch) {
      const score = 1 + inner.path.length;
      if (score > bestScore) {
        best = inner;
        bestScore = score;
      }
    }
  }
  if (best !== undefined) {
    return issueToError(best, path);
  }
  return invalidTypeError(formatParam(path), [...new Set(expected)], issue.input);
}

/** A discriminated union (tool types, content part types) failed on its `type` field. */
function discriminatorError(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: PathSegment[],
  { discriminator, options }: DiscriminatorFacts,
): EmulatorHttpError {
  // zod puts the discriminator key at the end of the path; the service names the same field.
  const fieldPath = path[path.length - 1] === discriminator ? path : [...path, discriminator];
  const param = formatParam(fieldPath);
  const input = issue.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return invalidTypeError(formatParam(fieldPath.slice(0, -1)), ['an object'], input);
  }
  const value = (input as Record<string, unknown>)[discriminator];
  if (value === undefined) {
    return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  return invalidValueError(param, options, value);
}

function boundError(issue: Extract<Issue, { code: 'too_big' | 'too_small' }>, param: string): EmulatorHttpError {
  const above = issue.code === 'too_big';
  const limit = above ? (issue as { maximum: number | bigint }).maximum : (issue as { minimum: number | bigint }).minimum;
  const input = issue.input;
  switch (issue.origin) {
    case 'string': {
      const length = typeof input === 'string' ? input.length : 0;
      return above
        ? invalidRequest(
            `Invalid '${param}': string too long. Expected a string with maximum length ${limit}, but got a string with length ${length} instead.`,
            param,
            'string_above_max_length',
          )
        : invalidRequest(
            `Invalid '${param}': string too short. Expected a string with minimum length ${limit}, but got a string with length ${length} instead.`,
            param,
            'string_below_min_length',
          );
    }
    case 'array': {
      const length = Array.isArray(input) ? input.length : 0;
      if (!above && length === 0) {
        return invalidRequest(
          `Invalid '${param}': empty array. Expected an array with minimum length ${limit}, but got an empty array instead.`,
          param,
          'empty_array',
        );
      }
      return above
        ? invalidRequest(
            `Invalid '${param}': array too long. Expected an array with maximum length ${limit}, but got an array with length ${length} instead.`,
            param,
            'array_above_max_length',
          )
        : invalidRequest(
            `Invalid '${param}': array too short. Expected an array with minimum length ${limit}, but got an array with length ${length} instead.`,
            param,
            'array_below_min_length',
          );
    }
    default:
      // Integer bounds are custom issues (see request-schemas.ts); plain number bounds are decimals.
      return above
        ? invalidRequest(
            `Invalid '${param}': decimal above maximum value. Expected a value <= ${limit}, but got ${String(input)} instead.`,
            param,
            'decimal_above_max_value',
          )
        : invalidRequest(
            `Invalid '${param}': decimal below minimum value. Expected a value >= ${limit}, but got ${String(input)} instead.`,
            param,
            'decimal_below_min_value',
          );
  }
}

function customError(issue: Extract<Issue, { code: 'custom' }>, path: PathSegment[]): EmulatorHttpError {
  const params = issue.params as Partial<OpenAIIssueParams> | undefined;
  if (params?.openaiCode === undefined || params.detail === undefined) {
    const param = formatParam(path);
    return invalidRequest(`Invalid '${param}': ${issue.message}`, nullIfEmpty(param), 'invalid_value');
  }
  const param = formatParam(params.paramSuffix === undefined ? path : [...path, params.paramSuffix]);
  return invalidRequest(`Invalid '${param}': ${params.detail}`, param, params.openaiCode);
}

/** `['thread', 'messages', 0, 'role']` -> `thread.messages[0].role`, the service's path style. */
export function formatParam(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else {
      const name = String(segment);
      text += text === '' ? name : `.${name}`;
    }
  }
  return text;
}

/** zod's `expected` names in the service's words. */
function describeExpected(expected: string): string {
  switch (expected) {
    case 'number':
      return 'a decimal';
    case 'int':
    case 'bigint':
      return 'an integer';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'array':
      return 'an array';
    case 'object':
    case 'record':
      return 'an object';
    case 'null':
      return 'null';
    case 'file':
      return 'a file';
    default:
      return expected;
  }
}

/** What the client sent, in the service's words (`a string`, `an integer`, `a decimal`, ...). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a decimal';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function joinWithAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}

function joinWithOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function nullIfEmpty(param: string): string | null {
  return param === '' ? null : param;
}
