import { paginate, parseListQuery } from '../pagination';
import { json, param, type Route } from '../router';

/** Run steps: list and get. `include[]` is accepted (there are no file-search results to include). */
export const RUN_STEP_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    template: '/threads/{thread_id}/runs/{run_id}/steps',
    handler: (context, { store, engine }) => {
      const record = store.run(param(context, 'thread_id'), param(context, 'run_id'));
      engine.refresh(record);
      return json(paginate(record.steps, parseListQuery(context.query)));
    },
  },
  {
    method: 'GET',
    template: '/threads/{thread_id}/runs/{run_id}/steps/{step_id}',
    handler: (context, { store, engine }) => {
      const threadId = param(context, 'thread_id');
      const runId = param(context, 'run_id');
      engine.refresh(store.run(threadId, runId));
      return json(store.step(threadId, runId, param(context, 'step_id')));
    },
  },
];
