/**
 * The Responses and Conversations request schemas must accept exactly the parameters the official
 * spec (reference/openai-responses-openapi.yaml) defines, at the top level and in the input items
 * the emulator models, and require what it requires, except for the differences listed here on
 * purpose. If the spec (or a schema) drifts, this fails and names the drift.
 */
import type { z } from 'zod/v4';
import {
  FOUNDRY_RESPONSES_REQUEST_SCHEMAS,
  FUNCTION_TOOL_SCHEMA,
  INPUT_ITEM_SCHEMAS,
  OPENAI_RESPONSES_REQUEST_SCHEMAS,
  TEXT_PART_SCHEMAS,
} from '../../src/emulator/response-request-schemas';
import { loadOpenApiSpec } from '../support/openapi-validator';

type SpecSchema = { properties?: Record<string, unknown>; required?: string[]; allOf?: SpecSchema[]; $ref?: string };

const spec = loadOpenApiSpec('responses') as { components: { schemas: Record<string, SpecSchema> }; paths: Record<string, Record<string, unknown>> };
const specSchemas = spec.components.schemas;

/** Properties and required names of a spec schema, through `$ref` and `allOf`. */
function collect(schema: SpecSchema | undefined, into = { properties: new Set<string>(), required: new Set<string>() }) {
  if (schema === undefined) return into;
  if (schema.$ref !== undefined) return collect(specSchemas[schema.$ref.split('/').pop() ?? ''], into);
  for (const member of schema.allOf ?? []) collect(member, into);
  for (const key of Object.keys(schema.properties ?? {})) into.properties.add(key);
  for (const key of schema.required ?? []) into.required.add(key);
  return into;
}

function specKeys(...names: string[]): { properties: string[]; required: string[] } {
  const collected = { properties: new Set<string>(), required: new Set<string>() };
  for (const name of names) collect(specSchemas[name], collected);
  return { properties: [...collected.properties].sort(), required: [...collected.required].sort() };
}

function zodKeys(schema: z.ZodType): { properties: string[]; required: string[] } {
  const shape = (schema as unknown as z.ZodObject).shape;
  return {
    properties: Object.keys(shape).sort(),
    required: Object.entries(shape)
      .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
      .map(([key]) => key)
      .sort(),
  };
}

test('CreateResponse, CreateConversationBody and UpdateConversationBody take exactly the spec parameters', () => {
  expect(zodKeys(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateResponse)).toEqual(specKeys('CreateResponse'));
  expect(zodKeys(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateConversationBody)).toEqual(specKeys('CreateConversationBody'));
  expect(zodKeys(OPENAI_RESPONSES_REQUEST_SCHEMAS.UpdateConversationBody)).toEqual(specKeys('UpdateConversationBody'));
  // The body of POST /conversations/{conversation_id}/items is inline in the spec.
  const inline = (spec.paths['/conversations/{conversation_id}/items']?.['post'] as {
    requestBody: { content: { 'application/json': { schema: SpecSchema } } };
  }).requestBody.content['application/json'].schema;
  expect(zodKeys(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateConversationItemsBody)).toEqual({
    properties: Object.keys(inline.properties ?? {}).sort(),
    required: [...(inline.required ?? [])].sort(),
  });
});

test('the input items the emulator models take exactly their spec objects’ parameters', () => {
  const message = specKeys('EasyInputMessage', 'InputMessage', 'OutputMessage');
  expect(zodKeys(INPUT_ITEM_SCHEMAS.message).properties).toEqual(message.properties);
  expect(zodKeys(INPUT_ITEM_SCHEMAS.function_call)).toEqual(specKeys('FunctionToolCall'));
  expect(zodKeys(INPUT_ITEM_SCHEMAS.mcp_approval_request)).toEqual(specKeys('MCPApprovalRequest'));
  expect(zodKeys(INPUT_ITEM_SCHEMAS.mcp_call)).toEqual(specKeys('MCPToolCall'));
  expect(zodKeys(TEXT_PART_SCHEMAS.input_text)).toEqual(specKeys('InputTextContent'));
  expect(zodKeys(TEXT_PART_SCHEMAS.output_text).properties).toEqual(specKeys('OutputTextContent').properties);

  // On purpose: the service needs `call_id` to match an output to its call (the spec lets it be null).
  const output = specKeys('FunctionCallOutputItemParam');
  expect(zodKeys(INPUT_ITEM_SCHEMAS.function_call_output)).toEqual({ properties: output.properties, required: [...output.required, 'call_id'].sort() });
  // The spec's defect: `request_id` is required but is not a property (the field is `approval_request_id`).
  const approval = specKeys('MCPApprovalResponse');
  expect(approval.required).toContain('request_id');
  expect(zodKeys(INPUT_ITEM_SCHEMAS.mcp_approval_response)).toEqual({
    properties: approval.properties,
    required: approval.required.filter((key) => key !== 'request_id'),
  });
  // `type` may be left out of an item reference (the spec lets it be null).
  expect(zodKeys(INPUT_ITEM_SCHEMAS.item_reference).properties).toEqual(specKeys('ItemReferenceParam').properties);
  // On purpose: `parameters` and `strict` may be left out (the response echoes `null` and `true`).
  const functionTool = specKeys('FunctionTool');
  expect(zodKeys(FUNCTION_TOOL_SCHEMA)).toEqual({
    properties: functionTool.properties,
    required: functionTool.required.filter((key) => key !== 'parameters' && key !== 'strict'),
  });
});

test('the Foundry variant adds only agent_reference and its older name agent', () => {
  const openai = zodKeys(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateResponse).properties;
  const foundry = zodKeys(FOUNDRY_RESPONSES_REQUEST_SCHEMAS.CreateResponse).properties;
  expect(foundry.filter((key) => !openai.includes(key))).toEqual(['agent', 'agent_reference']);
  expect(openai.every((key) => foundry.includes(key))).toBe(true);
});

test('schemas are strict at the top level and in items', () => {
  expect(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateResponse.safeParse({ model: 'm', agent_reference: { type: 'agent_reference', name: 'a' } }).success).toBe(false);
  expect(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateResponse.safeParse({ model: 'm', input: [{ role: 'user', content: 'x', foo: 1 }] }).success).toBe(false);
  expect(OPENAI_RESPONSES_REQUEST_SCHEMAS.CreateConversationItemsBody.safeParse({ items: Array.from({ length: 21 }, () => ({ role: 'user', content: 'x' })) }).success).toBe(false);
});
