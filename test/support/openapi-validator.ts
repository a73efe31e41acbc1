/**
 * Validates responses and stream events against the official OpenAI OpenAPI spec (the copy kept in
 * `reference/`, or another named by `OPENAI_OPENAPI_SPEC`). This is the emulator's strongest fidelity
 * check: every object it serves must be an object the real service could have served.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { parse } from 'yaml';

/** Default location of the spec, relative to the repository root (inside it: a clone alone passes). */
const DEFAULT_SPEC_PATH = 'reference/openai-assistants-openapi.yaml';

/** Where the spec is: `OPENAI_OPENAPI_SPEC`, or the copy in the repository's `reference/`. */
export function openApiSpecPath(): string {
  const fromEnvironment = process.env['OPENAI_OPENAPI_SPEC'];
  return fromEnvironment !== undefined && fromEnvironment !== ''
    ? resolve(fromEnvironment)
    : resolve(__dirname, '..', '..', DEFAULT_SPEC_PATH);
}

type JsonObject = Record<string, unknown>;

/** The raw spec document (parsed YAML). Its `FunctionParameters` repeats a key, hence `uniqueKeys: false`. */
export function loadOpenApiSpec(): JsonObject {
  return parse(readFileSync(openApiSpecPath(), 'utf8'), { uniqueKeys: false }) as JsonObject;
}

/** The outcome of one validation. */
export interface ValidationResult {
  valid: boolean;
  /** Readable failures: `<instance path> <message>`. */
  errors: string[];
}

const SPEC_ID = 'openai-spec';

/**
 * Turns OpenAPI 3.0's `nullable: true` (which this 3.1 spec still mixes in) into JSON Schema's null
 * union, in place, everywhere in the document:
 * - `allOf: [X, { nullable: true }]` becomes `anyOf: [{ allOf: [X] }, { type: 'null' }]`;
 * - any other schema with `nullable: true` becomes `anyOf: [schema, { type: 'null' }]`.
 */
export function normalizeNullable(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(normalizeNullable);
  }
  if (typeof node !== 'object' || node === null) {
    return node;
  }
  const schema: JsonObject = {};
  for (const [key, value] of Object.entries(node as JsonObject)) {
    schema[key] = normalizeNullable(value);
  }
  let nullable = schema['nullable'] === true;
  delete schema['nullable'];
  const allOf = schema['allOf'];
  if (Array.isArray(allOf)) {
    const isNullableMarker = (member: unknown) =>
      typeof member === 'object' && member !== null && Object.keys(member).length === 1 && 'anyOf' in member && isBareNullUnion(member);
    if (allOf.some(isNullableMarker)) {
      nullable = true;
      schema['allOf'] = allOf.filter((member) => !isNullableMarker(member));
    }
  }
  if (!nullable) {
    return schema;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** `{ nullable: true }` alone normalises to `{ anyOf: [{}, { type: 'null' }] }`: recognise that marker. */
function isBareNullUnion(member: object): boolean {
  const anyOf = (member as JsonObject)['anyOf'];
  return Array.isArray(anyOf) && anyOf.length === 2 && JSON.stringify(anyOf[0]) === '{}' && JSON.stringify(anyOf[1]) === '{"type":"null"}';
}

/**
 * Known places where the real service sends what the spec does not declare, allowed here on purpose
 * (and only here):
 * - list objects carry `first_id: null` and `last_id: null` when the page is empty; the spec types
 *   them as plain strings.
 */
function applyKnownServiceDeviations(schemas: JsonObject): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (!/^List.*Response$/.test(name)) continue;
    const properties = (schema as JsonObject)['properties'] as JsonObject | undefined;
    for (const field of ['first_id', 'last_id']) {
      const property = properties?.[field];
      if (property !== undefined) {
        properties![field] = { anyOf: [property, { type: 'null' }] };
      }
    }
  }
}

/**
 * Routes the emulator serves that the OpenAI spec has no operation for (Foundry-only), and the
 * response schema to check them against.
 */
const EXTRA_ROUTE_SCHEMAS: Record<string, JsonObject> = {
  'GET /threads': {
    type: 'object',
    required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: `${SPEC_ID}#/components/schemas/ThreadObject` } },
      first_id: { type: ['string', 'null'] },
      last_id: { type: ['string', 'null'] },
      has_more: { type: 'boolean' },
    },
  },
};

/** A validator bound to one loaded copy of the spec. */
export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly document: JsonObject;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: JsonObject = loadOpenApiSpec()) {
    this.document = normalizeNullable(document) as JsonObject;
    const components = this.document['components'] as JsonObject;
    applyKnownServiceDeviations(components['schemas'] as JsonObject);
    // strict: false ignores OpenAPI's own keywords (`x-stainless-const`, `discriminator`, `example`);
    // validateFormats: false ignores formats such as `unixtime` that JSON Schema does not define.
    this.ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    this.ajv.addSchema({ $id: SPEC_ID, components }, SPEC_ID);
  }

  /**
   * Validates a response body: status 200 against the operation's 200 schema, any other status
   * against `ErrorResponse` (the OpenAI dialect's error shape).
   */
  validateResponse(method: string, routeTemplate: string, status: number, body: unknown): ValidationResult {
    if (status !== 200) {
      return this.run(`${SPEC_ID}#/components/schemas/ErrorResponse`, body);
    }
    const extra = EXTRA_ROUTE_SCHEMAS[`${method.toUpperCase()} ${routeTemplate}`];
    if (extra !== undefined) {
      return this.runSchema(`extra:${method} ${routeTemplate}`, extra, body);
    }
    const schema = this.responseSchema(method, routeTemplate);
    if (schema === undefined) {
      return { valid: false, errors: [`the spec has no 200 response for ${method.toUpperCase()} ${routeTemplate}`] };
    }
    const reference = schema['$ref'];
    if (typeof reference === 'string') {
      return this.run(`${SPEC_ID}${reference}`, body);
    }
    // An inline schema (e.g. `GET /files/{file_id}/content`: `type: string`, the raw bytes).
    return this.runSchema(`inline:${method.toUpperCase()} ${routeTemplate}`, schema, body);
  }

  /** Validates one server-sent event against the `AssistantStreamEvent` branch for its name. */
  validateStreamEvent(eventName: string, data: unknown): ValidationResult {
    const branch = this.streamEventBranch(eventName);
    if (branch === undefined) {
      return { valid: false, errors: [`AssistantStreamEvent has no branch for event '${eventName}'`] };
    }
    return this.run(branch, { event: eventName, data });
  }

  /** The operation's 200 `application/json` schema: a `$ref` or an inline schema. */
  private responseSchema(method: string, routeTemplate: string): JsonObject | undefined {
    const paths = this.document['paths'] as JsonObject;
    const operation = (paths[routeTemplate] as JsonObject | undefined)?.[method.toLowerCase()] as JsonObject | undefined;
    return ((((operation?.['responses'] as JsonObject | undefined)?.['200'] as JsonObject | undefined)?.['content'] as
      | JsonObject
      | undefined)?.['application/json'] as JsonObject | undefined)?.['schema'] as JsonObject | undefined;
  }

  /** Finds e.g. `#/components/schemas/RunStreamEvent/oneOf/3` for `thread.run.requires_action`. */
  private streamEventBranch(eventName: string): string | undefined {
    const schemas = (this.document['components'] as JsonObject)['schemas'] as JsonObject;
    const members = (schemas['AssistantStreamEvent'] as JsonObject)['oneOf'] as JsonObject[];
    for (const member of members) {
      const name = String(member['$ref']).split('/').pop() ?? '';
      const schema = schemas[name] as JsonObject;
      const branches = Array.isArray(schema['oneOf']) ? (schema['oneOf'] as JsonObject[]) : [schema];
      for (const [index, branch] of branches.entries()) {
        const eventProperty = (branch['properties'] as JsonObject | undefined)?.['event'] as JsonObject | undefined;
        const names = eventProperty?.['enum'];
        if (Array.isArray(names) && names.includes(eventName)) {
          return Array.isArray(schema['oneOf'])
            ? `${SPEC_ID}#/components/schemas/${name}/oneOf/${index}`
            : `${SPEC_ID}#/components/schemas/${name}`;
        }
      }
    }
    return undefined;
  }

  private run(reference: string, value: unknown): ValidationResult {
    return this.runSchema(reference, { $ref: reference }, value);
  }

  private runSchema(key: string, schema: JsonObject, value: unknown): ValidationResult {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    const valid = validate(value) === true;
    return { valid, errors: valid ? [] : formatErrors(validate.errors ?? []) };
  }
}

/**
 * Keeps the useful ajv errors: a failed `oneOf`/`anyOf` reports every branch's complaint, so the
 * deepest errors (closest to the actual problem) are shown first.
 */
function formatErrors(errors: readonly ErrorObject[]): string[] {
  const sorted = [...errors].sort((left, right) => right.instancePath.length - left.instancePath.length);
  return [...new Set(sorted.map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`))].slice(0, 12);
}

let shared: OpenApiValidator | undefined;

/** One validator per test file: compiling the spec takes a moment. */
export function openApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator();
  return shared;
}

/** Shorthand for `openApiValidator().validateResponse(...)`. */
export function validateResponse(method: string, routeTemplate: string, status: number, body: unknown): ValidationResult {
  return openApiValidator().validateResponse(method, routeTemplate, status, body);
}

/** Shorthand for `openApiValidator().validateStreamEvent(...)`. */
export function validateStreamEvent(eventName: string, data: unknown): ValidationResult {
  return openApiValidator().validateStreamEvent(eventName, data);
}
