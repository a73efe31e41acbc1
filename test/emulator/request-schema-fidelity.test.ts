/**
 * The emulator's request schemas must accept exactly the parameters the official spec defines, and
 * require exactly what it requires. If the spec (or a schema) drifts, this fails and names the drift.
 */
import type { z } from 'zod';
import { FOUNDRY_REQUEST_SCHEMAS, OPENAI_REQUEST_SCHEMAS, type RequestSchemaName } from '../../src/emulator/request-schemas';
import { loadOpenApiSpec } from '../support/openapi-validator';

type SpecSchema = { properties?: Record<string, unknown>; required?: string[] };

const specSchemas = (loadOpenApiSpec()['components'] as { schemas: Record<string, SpecSchema> }).schemas;
const names = Object.keys(OPENAI_REQUEST_SCHEMAS) as RequestSchemaName[];

/** Top-level keys of a zod object schema. */
function acceptedKeys(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape).sort();
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
        'CreateMessageRequest',
        'CreateRunRequest',
        'CreateThreadAndRunRequest',
        'CreateThreadRequest',
        'ModifyAssistantRequest',
        'ModifyMessageRequest',
        'ModifyRunRequest',
        'ModifyThreadRequest',
        'SubmitToolOutputsRunRequest',
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

  test('Foundry variants add only the documented Azure extensions', () => {
    const extras: Record<string, string[]> = {};
    for (const name of names) {
      const openai = acceptedKeys(OPENAI_REQUEST_SCHEMAS[name] as unknown as z.ZodObject);
      const foundry = acceptedKeys(FOUNDRY_REQUEST_SCHEMAS[name] as unknown as z.ZodObject);
      const added = foundry.filter((key) => !openai.includes(key));
      if (added.length > 0) extras[name] = added;
      expect(openai.every((key) => foundry.includes(key))).toBe(true);
    }
    expect(extras).toEqual({ CreateRunRequest: ['tool_resources'] });
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
