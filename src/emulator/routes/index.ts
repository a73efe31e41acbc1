import type { Route } from '../router';
import { ASSISTANT_ROUTES } from './assistants';
import { MESSAGE_ROUTES } from './messages';
import { RUN_STEP_ROUTES } from './run-steps';
import { RUN_ROUTES } from './runs';
import { THREAD_ROUTES } from './threads';

/** Every endpoint of the threads/runs protocol the emulator serves, shared by all dialects. */
export const PROTOCOL_ROUTES: readonly Route[] = [
  ...ASSISTANT_ROUTES,
  ...THREAD_ROUTES,
  ...MESSAGE_ROUTES,
  ...RUN_ROUTES,
  ...RUN_STEP_ROUTES,
];
