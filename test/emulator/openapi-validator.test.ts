/**
 * The validator itself: it must reject what the spec rejects, or the conformance tests prove nothing.
 */
import {
  normalizeNullable,
  validateResponse,
  validateResponseStreamEvent,
  validateStreamEvent,
  validateWebhookEvent,
} from '../support/openapi-validator';

const RUN = {
  id: 'run_1',
  object: 'thread.run',
  created_at: 1,
  thread_id: 'thread_1',
  assistant_id: 'asst_1',
  status: 'queued',
  required_action: null,
  last_error: null,
  expires_at: 2,
  started_at: null,
  cancelled_at: null,
  failed_at: null,
  completed_at: null,
  incomplete_details: null,
  model: 'gpt-4o',
  instructions: '',
  tools: [],
  metadata: {},
  usage: null,
  temperature: 1,
  top_p: 1,
  max_prompt_tokens: null,
  max_completion_tokens: null,
  truncation_strategy: null,
  tool_choice: null,
  parallel_tool_calls: true,
  response_format: null,
};

describe('openapi validator', () => {
  test('accepts a complete run, including the nullable fields the spec marks with `nullable: true`', () => {
    expect(validateResponse('GET', '/threads/{thread_id}/runs/{run_id}', 200, RUN)).toEqual({ valid: true, errors: [] });
  });

  test('rejects a missing required field, a wrong enum and a wrong type', () => {
    const { usage: _usage, ...withoutUsage } = RUN;
    expect(validateResponse('GET', '/threads/{thread_id}/runs/{run_id}', 200, withoutUsage).valid).toBe(false);
    expect(validateResponse('GET', '/threads/{thread_id}/runs/{run_id}', 200, { ...RUN, status: 'paused' }).valid).toBe(false);
    expect(validateResponse('GET', '/threads/{thread_id}/runs/{run_id}', 200, { ...RUN, created_at: 'now' }).valid).toBe(false);
    const result = validateResponse('GET', '/threads/{thread_id}/runs/{run_id}', 200, { ...RUN, expires_at: 'soon' });
    expect(result.errors.join('\n')).toContain('/expires_at');
  });

  test('errors are checked against ErrorResponse', () => {
    const error = { error: { message: 'x', type: 'invalid_request_error', param: null, code: null } };
    expect(validateResponse('POST', '/threads', 400, error).valid).toBe(true);
    expect(validateResponse('POST', '/threads', 400, { error: { code: '401', message: 'x' } }).valid).toBe(false);
  });

  test('stream events are checked against their own branch', () => {
    expect(validateStreamEvent('thread.run.created', RUN).valid).toBe(true);
    expect(validateStreamEvent('thread.run.created', { id: 'msg_1' }).valid).toBe(false);
    expect(validateStreamEvent('done', '[DONE]').valid).toBe(true);
    expect(validateStreamEvent('done', 'DONE').valid).toBe(false);
    expect(validateStreamEvent('thread.run.teleported', RUN).valid).toBe(false);
  });

  test('an operation the spec lacks is reported, not silently accepted', () => {
    expect(validateResponse('GET', '/nowhere', 200, {}).errors[0]).toContain('no 200 response');
  });

  test('the Responses part: objects, stream events by type, webhook bodies, and the spec defect it works around', () => {
    const response = {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'completed',
      error: null,
      incomplete_details: null,
      instructions: null,
      model: 'gpt-4o',
      tools: [],
      output: [],
      parallel_tool_calls: true,
      metadata: {},
      tool_choice: 'auto',
      temperature: 1,
      top_p: 1,
    };
    expect(validateResponse('GET', '/responses/{response_id}', 200, response)).toEqual({ valid: true, errors: [] });
    expect(validateResponse('GET', '/responses/{response_id}', 200, { ...response, status: 'requires_action' }).valid).toBe(false);
    expect(validateResponse('GET', '/responses/{response_id}', 200, { ...response, user: null }).valid).toBe(false);
    const event = { type: 'response.completed', sequence_number: 3, response };
    expect(validateResponseStreamEvent('response.completed', event).valid).toBe(true);
    expect(validateResponseStreamEvent('response.completed', { ...event, sequence_number: undefined }).valid).toBe(false);
    expect(validateResponseStreamEvent('response.failed', event).valid).toBe(false);
    expect(validateResponseStreamEvent('response.cancelled', { ...event, type: 'response.cancelled' }).valid).toBe(false);
    const webhook = { id: 'evt_1', object: 'event', created_at: 1, type: 'response.completed', data: { id: 'resp_1' } };
    expect(validateWebhookEvent(webhook).valid).toBe(true);
    expect(validateWebhookEvent({ ...webhook, data: {} }).valid).toBe(false);
    expect(validateWebhookEvent({ ...webhook, type: 'response.teleported' }).valid).toBe(false);
    // `MCPApprovalResponseResource` requires `request_id`, which it does not define: dropped on purpose.
    const approval = { type: 'mcp_approval_response', id: 'mcpa_1', approval_request_id: 'mcpr_1', approve: true };
    expect(validateResponse('GET', '/conversations/{conversation_id}/items/{item_id}', 200, approval).valid).toBe(true);
    expect(validateResponse('GET', '/conversations/{conversation_id}/items/{item_id}', 200, { ...approval, approval_request_id: undefined }).valid).toBe(false);
  });

  test('nullable normalisation', () => {
    expect(normalizeNullable({ type: 'string', nullable: true })).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(normalizeNullable({ allOf: [{ $ref: '#/x' }, { nullable: true }] })).toEqual({
      anyOf: [{ allOf: [{ $ref: '#/x' }] }, { type: 'null' }],
    });
  });
});
