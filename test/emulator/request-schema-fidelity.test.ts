/**
 * The emulator's request schemas must accept exactly the parameters the official spec defines, and
 * require exactly what it requires. If the spec (or a schema) drifts, this fails and names the drift.
 */
import type { z } from 'zod/v4';
import { FOUNDRY_REQUEST_SCHEMAS, OPENAI_REQUEST_SCHEMAS, type RequestSchemaName } from '../../src/emulator/request-schemas';
import { loadOpenApiSpec } from '../support/openapi-validator';

type SpecSchema = { properties?: Record<string, unknown>; required?: string[] };

const specSchemas = (loadOpenApiSpec()['components'] as { schemas: Record<string, SpecSchema> }).schemas;
const names = Object.keys(OPENAI_REQUEST_SCHEMAS) as RequestSchemaName[];

/** Top-level keys of a zod object schema. */
function acceptedKeys(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape).sort();
}

/** The object schema inside optional / nullable / array wrappers. */
function unwrapObject(schema: z.ZodType): z.ZodObject {
  let current: unknown = schema;
  for (let depth = 0; depth < 5; depth += 1) {
    const candidate = current as { shape?: unknown; unwrap?: () => unknown; element?: unknown };
    if (candidate.shape !== undefined) return current as z.ZodObject;
    current = candidate.element ?? candidate.unwrap?.();
  }
  throw new Error('no object schema inside');
}

/** Keys whose schema rejects `undefined`: the required ones. */
function requiredKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key)
    .sort();
}

describe('request schemas match the official OpenAPI request objects', () => {
  test('every request object the brief names has a schema', () => {
    expect(names.sort()).toEqual(
      [
        'CreateAssistantRequest',
        'CreateFileRequest',
        'CreateMessageRequest',
        'CreateRunRequest',
        'CreateThreadAndRunRequest',
        'CreateThreadRequest',
        'ModifyAssistantRequest',
        'ModifyMessageRequest',
        'ModifyRunRequest',
        'ModifyThreadRequest',
        'SubmitToolOutputsRunRequest',
        'CreateVectorStoreRequest',
        'UpdateVectorStoreRequest',
        'CreateVectorStoreFileRequest',
        'CreateVectorStoreFileBatchRequest',
        'UpdateVectorStoreFileAttributesRequest',
      ].sort(),
    );
  });

  test.each(names)('%s accepts exactly the spec properties and requires exactly the spec required list', (name) => {
    const spec = specSchemas[name];
    expect(spec).toBeDefined();
    const schema = OPENAI_REQUEST_SCHEMAS[name] as unknown as z.ZodObject;
    expect(acceptedKeys(schema)).toEqual(Object.keys(spec?.properties ?? {}).sort());
    expect(requiredKeys(schema)).toEqual([...(spec?.required ?? [])].sort());
  });

  test('nested request objects of the Files and Vector Stores APIs match their spec schemas too', () => {
    const nested: Array<[z.ZodType, string]> = [
      [OPENAI_REQUEST_SCHEMAS.CreateFileRequest.shape.expires_after, 'FileExpirationAfter'],
      [OPENAI_REQUEST_SCHEMAS.CreateVectorStoreRequest.shape.expires_after, 'VectorStoreExpirationAfter'],
      [OPENAI_REQUEST_SCHEMAS.UpdateVectorStoreRequest.shape.expires_after, 'VectorStoreExpirationAfter'],
      [OPENAI_REQUEST_SCHEMAS.CreateVectorStoreFileBatchRequest.shape.files, 'CreateVectorStoreFileRequest'],
    ];
    for (const [field, specName] of nested) {
      const schema = unwrapObject(field);
      const spec = specSchemas[specName];
      expect([specName, acceptedKeys(schema)]).toEqual([specName, Object.keys(spec?.properties ?? {}).sort()]);
      expect([specName, requiredKeys(schema)]).toEqual([specName, [...(spec?.required ?? [])].sort()]);
    }
    // The static chunking strategy, through the discriminated union.
    const strategy = specSchemas['StaticChunkingStrategy'];
    const staticOption = OPENAI_REQUEST_SCHEMAS.CreateVectorStoreFileRequest.shape.chunking_strategy
      .unwrap()
      .options.find((option) => option.shape.type.value === 'static') as z.ZodObject | undefined;
    const staticSchema = unwrapObject(staticOption?.shape['static'] as z.ZodType);
    expect(acceptedKeys(staticSchema)).toEqual(Object.keys(strategy?.properties ?? {}).sort());
    expect(requiredKeys(staticSchema)).toEqual([...(strategy?.required ?? [])].sort());
  });

  test('Foundry variants add only the documented Azure extensions', () => {
    const extras: Record<string, string[]> = {};
    for (const name of names) {
      const openai = acceptedKeys(OPENAI_REQUEST_SCHEMAS[name] as unknown as z.ZodObject);
      const foundry = acceptedKeys(FOUNDRY_REQUEST_SCHEMAS[name] as unknown as z.ZodObject);
      const added = foundry.filter((key) => !openai.includes(key));
      if (added.length > 0) extras[name] = added;
      expect(openai.every((key) => foundry.includes(key))).toBe(true);
    }
    expect(extras).toEqual({ CreateRunRequest: ['tool_resources'], CreateFileRequest: ['filename'] });
  });

  test('schemas are strict: an unknown key is rejected at the top level and when nested', () => {
    expect(OPENAI_REQUEST_SCHEMAS.ModifyRunRequest.safeParse({ foo: 1 }).success).toBe(false);
    expect(
      OPENAI_REQUEST_SCHEMAS.CreateThreadAndRunRequest.safeParse({ assistant_id: 'asst_1', thread: { foo: 1 } }).success,
    ).toBe(false);
    expect(
      FOUNDRY_REQUEST_SCHEMAS.CreateRunRequest.safeParse({ assistant_id: 'asst_1', tool_resources: {}, foo: 1 }).success,
    ).toBe(false);
  });
});
