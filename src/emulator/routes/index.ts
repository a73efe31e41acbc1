import { THREADS_DIALECTS } from '../dialects';
import type { Route } from '../router';
import { ASSISTANT_ROUTES } from './assistants';
import { CONVERSATION_ROUTES } from './conversations';
import { FILE_ROUTES } from './files';
import { FOUNDRY_AGENT_ROUTES } from './foundry-agents';
import { MESSAGE_ROUTES } from './messages';
import { RUN_STEP_ROUTES } from './run-steps';
import { RESPONSE_ROUTES } from './responses';
import { RUN_ROUTES } from './runs';
import { THREAD_ROUTES } from './threads';
import { VECTOR_STORE_API_ROUTES } from './vector-stores';

/** The threads/runs protocol, served by its own dialects only (the v1 prefixes never had it). */
const THREADS_ROUTES: readonly Route[] = [...ASSISTANT_ROUTES, ...THREAD_ROUTES, ...MESSAGE_ROUTES, ...RUN_ROUTES, ...RUN_STEP_ROUTES].map(
  (route) => ({ ...route, dialects: route.dialects ?? THREADS_DIALECTS }),
);

/**
 * Every endpoint the emulator serves: the threads/runs protocol (its dialects), the Responses and
 * Conversations APIs (OpenAI, Azure OpenAI v1, a Foundry project's OpenAI v1 endpoint), Foundry's
 * agents v2 (a Foundry project), and the Files and Vector Stores APIs (every dialect).
 */
export const PROTOCOL_ROUTES: readonly Route[] = [
  ...THREADS_ROUTES,
  ...RESPONSE_ROUTES,
  ...CONVERSATION_ROUTES,
  ...FOUNDRY_AGENT_ROUTES,
  ...FILE_ROUTES,
  ...VECTOR_STORE_API_ROUTES,
];
