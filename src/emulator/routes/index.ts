import type { Route } from '../router';
import { ASSISTANT_ROUTES } from './assistants';
import { FILE_ROUTES } from './files';
import { MESSAGE_ROUTES } from './messages';
import { RUN_STEP_ROUTES } from './run-steps';
import { RUN_ROUTES } from './runs';
import { THREAD_ROUTES } from './threads';
import { VECTOR_STORE_API_ROUTES } from './vector-stores';

/**
 * Every endpoint the emulator serves, shared by all dialects: the threads/runs protocol, and the
 * Files and Vector Stores APIs that feed its `file_search` tool.
 */
export const PROTOCOL_ROUTES: readonly Route[] = [
  ...ASSISTANT_ROUTES,
  ...THREAD_ROUTES,
  ...MESSAGE_ROUTES,
  ...RUN_ROUTES,
  ...RUN_STEP_ROUTES,
  ...FILE_ROUTES,
  ...VECTOR_STORE_API_ROUTES,
];
