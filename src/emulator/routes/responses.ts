import { RESPONSES_DIALECTS } from '../dialects';
import { invalidRequest } from '../errors';
import { paginate, parseListQuery } from '../pagination';
import type { CreateResponseRequest } from '../response-engine';
import { ResponseEventStream } from '../response-stream';
import { findAgentVersion } from './foundry-agents';
import {
  json,
  param,
  pollHeaders,
  readResponsesBody,
  type EmulatorServices,
  type HandlerResult,
  type RequestContext,
  type Route,
} from '../router';
import type { CreateResponseBody } from '../response-request-schemas';

/**
 * `POST /responses`. A background response answers at once (`queued`); a streamed one answers with
 * its events as they happen; any other answers once it has ended, as the service does.
 */
function createResponse(context: RequestContext, services: EmulatorServices): HandlerResult {
  const body = readResponsesBody(context, 'CreateResponse') as CreateResponseBody;
  const stream = body.stream === true ? new ResponseEventStream() : undefined;
  const request: CreateResponseRequest = { dialect: context.dialect, body, agent: foundryAgent(body, services), observer: stream?.observer };
  const record = services.responseEngine.create(request);
  if (stream !== undefined) return { kind: 'stream', stream };
  if (record.response.background) return json(record.response);
  return { kind: 'deferred', result: services.responseEngine.whenEnded(record).then(() => json(record.response)) };
}

/**
 * The Foundry agent version a response runs: `agent_reference` (azure-ai-projects >= 2.0.0), or the
 * older key `agent`; without `version`, the latest. Unknown names and versions get a 404 (the
 * emulator's wording).
 */
function foundryAgent(body: CreateResponseBody, services: EmulatorServices): CreateResponseRequest['agent'] {
  const reference = body.agent_reference ?? body.agent;
  if (reference === undefined) return undefined;
  return { reference, version: findAgentVersion(services.responses.agents, reference.name, reference.version, 'agent_reference') };
}

/**
 * `GET /responses/{response_id}`: the object (with `openai-poll-after-ms`), or with `stream=true` its
 * events after `starting_after`, then the live ones: background responses only.
 */
function retrieveResponse(context: RequestContext, services: EmulatorServices): HandlerResult {
  const record = services.responses.response(param(context, 'response_id'));
  if (context.query.get('stream') !== 'true') return json(record.response, pollHeaders(services.pollAfterMs));
  // Parameters are checked before the response's state, as everywhere else.
  const after = startingAfter(context.query);
  if (!record.response.background) {
    // The emulator's wording: the service's own for this case was not found.
    throw invalidRequest(
      `Response ${record.response.id} was not created with background=true: only background responses can be streamed again.`,
      'stream',
      null,
    );
  }
  const stream = new ResponseEventStream();
  services.responseEngine.attach(record, stream.observer, after);
  return { kind: 'stream', stream };
}

/** `starting_after` (an integer, -1 when absent: replay everything). */
function startingAfter(query: URLSearchParams): number {
  const raw = query.get('starting_after');
  if (raw === null) return -1;
  if (!/^-?\d+$/.test(raw.trim())) {
    throw invalidRequest(`Invalid type for 'starting_after': expected an integer, but got a string instead.`, 'starting_after', 'invalid_type');
  }
  return Number(raw);
}

const ROUTES: readonly Route[] = [
  { method: 'POST', template: '/responses', handler: createResponse },
  { method: 'GET', template: '/responses/{response_id}', handler: retrieveResponse },
  {
    method: 'DELETE',
    template: '/responses/{response_id}',
    handler: (context, services) => {
      const record = services.responses.response(param(context, 'response_id'));
      services.responseEngine.delete(record);
      // The spec gives no body; this is what the service answers (and openai-node ignores).
      return json({ id: record.response.id, object: 'response', deleted: true });
    },
  },
  {
    method: 'POST',
    template: '/responses/{response_id}/cancel',
    handler: (context, services) => json(services.responseEngine.cancel(services.responses.response(param(context, 'response_id')))),
  },
  {
    method: 'GET',
    template: '/responses/{response_id}/input_items',
    handler: (context, services) => {
      const record = services.responses.response(param(context, 'response_id'));
      return json(paginate(record.inputItems, parseListQuery(context.query)));
    },
  },
];

/** The Responses API: create, retrieve (and resume a stream), delete, cancel, list input items. */
export const RESPONSE_ROUTES: readonly Route[] = ROUTES.map((route) => ({ ...route, dialects: RESPONSES_DIALECTS }));
