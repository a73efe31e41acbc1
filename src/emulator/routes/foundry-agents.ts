import { invalidRequest, openAIError, type EmulatorHttpError } from '../errors';
import { unixSeconds } from '../ids';
import { paginate, parseListQuery } from '../pagination';
import { CreateAgentVersionRequest } from '../response-request-schemas';
import type { AgentRecord, AgentVersionObject } from '../response-store';
import { parseRequestBody } from '../request-validation';
import { json, param, type EmulatorServices, type RequestContext, type Route } from '../router';

/**
 * Foundry agents v2 (`azure-ai-projects` >= 2.0): named agents whose definition is versioned, at
 * `{project endpoint}/agents...?api-version=v1`. The paths, bodies and objects are those of
 * azure-ai-projects 2.10.0's generated operations and models (`AgentDetails`, `AgentVersionDetails`,
 * `DeleteAgentResponse`, `DeleteAgentVersionResponse`); only `prompt` agents are served. A response
 * runs a version through `agent_reference` (see `responses.ts`).
 */

/** Agent names as the service takes them: letters, digits and hyphens, starting with a letter or digit. */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/** A 404 for an unknown agent or version (Foundry's error shape is added by the server; the wording is the emulator's). */
function agentNotFound(name: string, version?: string, param: string | null = null): EmulatorHttpError {
  const what = version === undefined ? `Agent '${name}'` : `Agent '${name}' version '${version}'`;
  return openAIError(404, { message: `${what} not found.`, type: 'invalid_request_error', param, code: null });
}

/**
 * An agent's version by name and version, or its latest without one; a 404 naming `param` (the
 * request field that named it) when there is none.
 */
export function findAgentVersion(agents: ReadonlyMap<string, AgentRecord>, name: string, version: string | undefined, param: string | null = null): AgentVersionObject {
  const record = agents.get(name);
  const found = version === undefined ? record?.versions.at(-1) : record?.versions.find((candidate) => candidate.version === version);
  if (found === undefined) throw agentNotFound(name, record === undefined ? undefined : version, param);
  return found;
}

function agent(context: RequestContext, services: EmulatorServices): AgentRecord {
  const name = param(context, 'agent_name');
  const record = services.responses.agents.get(name);
  if (record === undefined) throw agentNotFound(name);
  return record;
}

/** `AgentDetails`: the agent with its latest version. */
function agentDetails(record: AgentRecord) {
  const latest = record.versions[record.versions.length - 1];
  return {
    object: 'agent',
    id: record.name,
    name: record.name,
    state: 'enabled',
    configuration_state: 'enabled',
    versions: { latest },
  };
}

/** `POST /agents/{agent_name}/versions`: a new version (1, 2, ...), creating the agent on the first. */
function createVersion(context: RequestContext, services: EmulatorServices) {
  const name = param(context, 'agent_name');
  if (!AGENT_NAME.test(name)) {
    throw invalidRequest(
      `Invalid 'agent_name': '${name}'. Use letters, digits and hyphens, starting with a letter or digit, at most 63 characters.`,
      'agent_name',
      'invalid_value',
    );
  }
  const body = parseRequestBody(CreateAgentVersionRequest, context.body ?? {});
  const record = services.responses.agents.get(name) ?? { name, versions: [] };
  const version = String(
    record.versions.reduce((highest, candidate) => Math.max(highest, Number(candidate.version)), 0) + 1,
  );
  const created: AgentVersionObject = {
    object: 'agent.version',
    id: `${name}:${version}`,
    name,
    version,
    created_at: unixSeconds(),
    definition: body.definition,
    metadata: { ...(body.metadata ?? {}) },
    status: 'active',
  };
  if (typeof body.description === 'string') created.description = body.description;
  record.versions.push(created);
  services.responses.agents.set(name, record);
  services.ledger.recordAgentVersionCreated({ name, version, created_at: created.created_at });
  return json(created);
}

/** One version of an agent (`id` is `name:version`). */
function versionOf(context: RequestContext, services: EmulatorServices): AgentVersionObject {
  return findAgentVersion(services.responses.agents, param(context, 'agent_name'), param(context, 'agent_version'));
}

const ROUTES: readonly Route[] = [
  { method: 'POST', template: '/agents/{agent_name}/versions', handler: createVersion },
  {
    method: 'GET',
    template: '/agents',
    handler: (context, services) =>
      json(paginate([...services.responses.agents.values()].map(agentDetails), parseListQuery(context.query))),
  },
  { method: 'GET', template: '/agents/{agent_name}', handler: (context, services) => json(agentDetails(agent(context, services))) },
  {
    method: 'DELETE',
    template: '/agents/{agent_name}',
    handler: (context, services) => {
      const record = agent(context, services);
      services.responses.agents.delete(record.name);
      return json({ object: 'agent.deleted', name: record.name, deleted: true });
    },
  },
  {
    method: 'GET',
    template: '/agents/{agent_name}/versions',
    handler: (context, services) => json(paginate(agent(context, services).versions, parseListQuery(context.query))),
  },
  { method: 'GET', template: '/agents/{agent_name}/versions/{agent_version}', handler: (context, services) => json(versionOf(context, services)) },
  {
    method: 'DELETE',
    template: '/agents/{agent_name}/versions/{agent_version}',
    handler: (context, services) => {
      const version = versionOf(context, services);
      const record = agent(context, services);
      record.versions = record.versions.filter((candidate) => candidate !== version);
      if (record.versions.length === 0) services.responses.agents.delete(record.name);
      return json({ object: 'agent.version.deleted', name: version.name, version: version.version, deleted: true });
    },
  },
];

/** Foundry agents v2 management, served on a Foundry project (`/api/projects/{project}`, `api-version=v1`). */
export const FOUNDRY_AGENT_ROUTES: readonly Route[] = ROUTES.map((route) => ({ ...route, dialects: ['foundry'] }));
