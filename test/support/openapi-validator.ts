/**
 * Validates responses, stream events and webhook bodies against the official OpenAI OpenAPI spec:
 * the Assistants part (`reference/openai-assistants-openapi.yaml`, or another copy named by
 * `OPENAI_OPENAPI_SPEC`) and the Responses part (`reference/openai-responses-openapi.yaml`, or
 * `OPENAI_RESPONSES_OPENAPI_SPEC`). This is the emulator's strongest fidelity check: every object it
 * serves must be an object the real service could have served.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { parse } from 'yaml';

/** The two parts of the spec the repository keeps, relative to its root (inside it: a clone alone passes). */
const SPEC_PARTS = {
  assistants: { path: 'reference/openai-assistants-openapi.yaml', environment: 'OPENAI_OPENAPI_SPEC' },
  responses: { path: 'reference/openai-responses-openapi.yaml', environment: 'OPENAI_RESPONSES_OPENAPI_SPEC' },
} as const;

/** Which part of the spec: Assistants (threads/runs, files, vector stores) or Responses (and Conversations). */
export type SpecPart = keyof typeof SPEC_PARTS;

/** Where a part of the spec is: its environment variable, or the copy in the repository's `reference/`. */
export function openApiSpecPath(part: SpecPart = 'assistants'): string {
  const fromEnvironment = process.env[SPEC_PARTS[part].environment];
  return fromEnvironment !== undefined && fromEnvironment !== ''
    ? resolve(fromEnvironment)
    : resolve(__dirname, '..', '..', SPEC_PARTS[part].path);
}

type JsonObject = Record<string, unknown>;

/** The raw spec document (parsed YAML). Its `FunctionParameters` repeats a key, hence `uniqueKeys: false`. */
export function loadOpenApiSpec(part: SpecPart = 'assistants'): JsonObject {
  return parse(readFileSync(openApiSpecPath(part), 'utf8'), { uniqueKeys: false }) as JsonObject;
}

/** The outcome of one validation. */
export interface ValidationResult {
  valid: boolean;
  /** Readable failures: `<instance path> <message>`. */
  errors: string[];
}

const SPEC_ID = 'openai-spec';
const RESPONSES_SPEC_ID = 'openai-responses-spec';

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
 *   them as plain strings. (The Responses part's item lists are assumed to do the same.)
 * - the Responses part's `MCPApprovalResponse` and `MCPApprovalResponseResource` list `request_id` in
 *   `required`, but it is not one of their properties (a defect of the spec: the field is
 *   `approval_request_id`, which is required too); `request_id` is dropped from `required`.
 */
function applyKnownServiceDeviations(schemas: JsonObject): void {
  for (const name of ['MCPApprovalResponse', 'MCPApprovalResponseResource']) {
    const schema = schemas[name] as JsonObject | undefined;
    const required = schema?.['required'];
    if (schema !== undefined && Array.isArray(required)) {
      schema['required'] = required.filter((field) => field !== 'request_id');
    }
  }
  for (const [name, schema] of Object.entries(schemas)) {
    if (!/^List.*Response$/.test(name) && name !== 'ConversationItemList' && name !== 'ResponseItemList') continue;
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
  // The spec declares a 200 without a body; the service answers this (openai-node ignores it).
  'DELETE /responses/{response_id}': {
    type: 'object',
    required: ['id', 'object', 'deleted'],
    properties: { id: { type: 'string', pattern: '^resp_' }, object: { const: 'response' }, deleted: { const: true } },
  },
  // Foundry agents v2: azure-ai-projects 2.10.0's `AgentDetails`, `AgentVersionDetails`,
  // `DeleteAgentResponse` and `DeleteAgentVersionResponse` (required fields as its models declare them).
  'POST /agents/{agent_name}/versions': { $ref: '#/$defs/AgentVersionDetails' },
  'GET /agents/{agent_name}/versions/{agent_version}': { $ref: '#/$defs/AgentVersionDetails' },
  'GET /agents/{agent_name}': { $ref: '#/$defs/AgentDetails' },
  'GET /agents': foundryList('AgentDetails'),
  'GET /agents/{agent_name}/versions': foundryList('AgentVersionDetails'),
  'DELETE /agents/{agent_name}': {
    type: 'object',
    required: ['object', 'name', 'deleted'],
    properties: { object: { const: 'agent.deleted' }, name: { type: 'string' }, deleted: { type: 'boolean' } },
  },
  'DELETE /agents/{agent_name}/versions/{agent_version}': {
    type: 'object',
    required: ['object', 'name', 'version', 'deleted'],
    properties: { object: { const: 'agent.version.deleted' }, name: { type: 'string' }, version: { type: 'string' }, deleted: { type: 'boolean' } },
  },
};

/** Foundry agents v2 objects, from azure-ai-projects 2.10.0's `models/_models.py`. */
const FOUNDRY_AGENT_DEFINITIONS: JsonObject = {
  AgentVersionDetails: {
    type: 'object',
    required: ['metadata', 'object', 'id', 'name', 'version', 'created_at', 'definition'],
    properties: {
      metadata: { type: 'object', additionalProperties: { type: 'string' } },
      object: { const: 'agent.version' },
      id: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      description: { type: 'string' },
      created_at: { type: 'integer' },
      definition: {
        type: 'object',
        required: ['kind', 'model'],
        properties: { kind: { const: 'prompt' }, model: { type: 'string' }, instructions: { type: ['string', 'null'] }, tools: { type: ['array', 'null'] } },
      },
      draft: { type: 'boolean' },
      status: { enum: ['creating', 'active', 'failed', 'deleting', 'deleted'] },
    },
  },
  AgentDetails: {
    type: 'object',
    required: ['object', 'id', 'name', 'state', 'configuration_state', 'versions'],
    properties: {
      object: { const: 'agent' },
      id: { type: 'string' },
      name: { type: 'string' },
      state: { enum: ['enabled', 'disabled'] },
      configuration_state: { enum: ['enabled', 'disabled'] },
      versions: { type: 'object', required: ['latest'], properties: { latest: { $ref: '#/$defs/AgentVersionDetails' } } },
    },
  },
};

/** A Foundry list page of `item`. */
function foundryList(item: string): JsonObject {
  return {
    type: 'object',
    required: ['object', 'data', 'has_more'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: `#/$defs/${item}` } },
      first_id: { type: ['string', 'null'] },
      last_id: { type: ['string', 'null'] },
      has_more: { type: 'boolean' },
    },
  };
}

/** The webhook event types of the Responses part, and the schema of each. */
const WEBHOOK_SCHEMAS: Record<string, string> = {
  'response.completed': 'WebhookResponseCompleted',
  'response.failed': 'WebhookResponseFailed',
  'response.cancelled': 'WebhookResponseCancelled',
  'response.incomplete': 'WebhookResponseIncomplete',
};

/** A validator bound to one loaded copy of each part of the spec. */
export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly document: JsonObject;
  private readonly responsesDocument: JsonObject;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: JsonObject = loadOpenApiSpec('assistants'), responsesDocument: JsonObject = loadOpenApiSpec('responses')) {
    this.document = normalizeNullable(document) as JsonObject;
    this.responsesDocument = normalizeNullable(responsesDocument) as JsonObject;
    // strict: false ignores OpenAPI's own keywords (`x-stainless-const`, `discriminator`, `example`);
    // validateFormats: false ignores formats such as `unixtime` that JSON Schema does not define.
    this.ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    // Each part is its own schema document: their component names overlap (`Error`, `Metadata`, ...).
    for (const [id, spec] of [
      [SPEC_ID, this.document],
      [RESPONSES_SPEC_ID, this.responsesDocument],
    ] as const) {
      const components = spec['components'] as JsonObject;
      applyKnownServiceDeviations(components['schemas'] as JsonObject);
      this.ajv.addSchema({ $id: id, components }, id);
    }
  }

  /**
   * Validates a response body: status 200 against the operation's 200 schema (in whichever part of
   * the spec has the operation), any other status against `ErrorResponse` (the OpenAI error shape).
   */
  validateResponse(method: string, routeTemplate: string, status: number, body: unknown): ValidationResult {
    if (status !== 200) {
      return this.run(`${SPEC_ID}#/components/schemas/ErrorResponse`, body);
    }
    const key = `${method.toUpperCase()} ${routeTemplate}`;
    const extra = EXTRA_ROUTE_SCHEMAS[key];
    if (extra !== undefined) {
      return this.runSchema(`extra:${key}`, { ...extra, $defs: FOUNDRY_AGENT_DEFINITIONS }, body);
    }
    for (const [id, spec] of [
      [SPEC_ID, this.document],
      [RESPONSES_SPEC_ID, this.responsesDocument],
    ] as const) {
      const schema = responseSchema(spec, method, routeTemplate);
      if (schema === undefined) continue;
      const reference = schema['$ref'];
      if (typeof reference === 'string') {
        return this.run(`${id}${reference}`, body);
      }
      // An inline schema (e.g. `GET /files/{file_id}/content`: `type: string`, the raw bytes).
      return this.runSchema(`inline:${key}`, schema, body);
    }
    return { valid: false, errors: [`the spec has no 200 response for ${key}`] };
  }

  /** Validates one server-sent event of a run stream against the `AssistantStreamEvent` branch for its name. */
  validateStreamEvent(eventName: string, data: unknown): ValidationResult {
    const branch = this.streamEventBranch(eventName);
    if (branch === undefined) {
      return { valid: false, errors: [`AssistantStreamEvent has no branch for event '${eventName}'`] };
    }
    return this.run(branch, { event: eventName, data });
  }

  /**
   * Validates one server-sent event of a response stream: its `event:` name must equal its `type`,
   * and its data must match the `ResponseStreamEvent` member for that type.
   */
  validateResponseStreamEvent(eventName: string, data: unknown): ValidationResult {
    const type = (data as { type?: unknown } | null)?.type;
    if (type !== eventName) {
      return { valid: false, errors: [`event name '${eventName}' differs from its data's type '${String(type)}'`] };
    }
    const member = this.responseStreamEventMember(eventName);
    if (member === undefined) {
      return { valid: false, errors: [`ResponseStreamEvent has no member for type '${eventName}'`] };
    }
    return this.run(`${RESPONSES_SPEC_ID}#/components/schemas/${member}`, data);
  }

  /** Validates a webhook body against the `Webhook*` schema of its `type`. */
  validateWebhookEvent(body: unknown): ValidationResult {
    const type = (body as { type?: unknown } | null)?.type;
    const schema = typeof type === 'string' ? WEBHOOK_SCHEMAS[type] : undefined;
    if (schema === undefined) {
      return { valid: false, errors: [`no webhook schema for type '${String(type)}'`] };
    }
    return this.run(`${RESPONSES_SPEC_ID}#/components/schemas/${schema}`, body);
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

  /** The `ResponseStreamEvent` member whose `type` enum holds this type, e.g. `ResponseTextDeltaEvent`. */
  private responseStreamEventMember(type: string): string | undefined {
    const schemas = (this.responsesDocument['components'] as JsonObject)['schemas'] as JsonObject;
    const members = (schemas['ResponseStreamEvent'] as JsonObject)['anyOf'] as JsonObject[];
    for (const member of members) {
      const name = String(member['$ref']).split('/').pop() ?? '';
      const typeProperty = ((schemas[name] as JsonObject)['properties'] as JsonObject | undefined)?.['type'] as JsonObject | undefined;
      const types = typeProperty?.['enum'];
      if (Array.isArray(types) && types.includes(type)) return name;
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

/** An operation's 200 `application/json` schema in one part of the spec: a `$ref` or an inline schema. */
function responseSchema(document: JsonObject, method: string, routeTemplate: string): JsonObject | undefined {
  const paths = document['paths'] as JsonObject;
  const operation = (paths[routeTemplate] as JsonObject | undefined)?.[method.toLowerCase()] as JsonObject | undefined;
  return ((((operation?.['responses'] as JsonObject | undefined)?.['200'] as JsonObject | undefined)?.['content'] as
    | JsonObject
    | undefined)?.['application/json'] as JsonObject | undefined)?.['schema'] as JsonObject | undefined;
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

/** Shorthand for `openApiValidator().validateResponseStreamEvent(...)`. */
export function validateResponseStreamEvent(eventName: string, data: unknown): ValidationResult {
  return openApiValidator().validateResponseStreamEvent(eventName, data);
}

/** Shorthand for `openApiValidator().validateWebhookEvent(...)`. */
export function validateWebhookEvent(body: unknown): ValidationResult {
  return openApiValidator().validateWebhookEvent(body);
}
