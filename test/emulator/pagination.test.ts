/**
 * List endpoints: the spec's list object and the service's cursor semantics (`limit`, `order`,
 * `after`, `before`, `has_more`, `first_id`/`last_id`), plus the messages `run_id` filter.
 */
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, waitForRunStatus } from '../support/emulator-http';

let emulator: RunningEmulator;
let threadId: string;
/** Message ids, oldest first. */
let ids: string[];

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 5, queuedDelayMs: 5 });
  const thread = await call(emulator, 'POST', '/threads', { body: {} });
  threadId = thread.body.id;
  ids = [];
  for (let index = 0; index < 5; index += 1) {
    const message = await call(emulator, 'POST', `/threads/${threadId}/messages`, { body: { role: 'user', content: `m${index}` } });
    ids.push(message.body.id);
  }
});

afterAll(async () => {
  await emulator.close();
});

async function page(query: string) {
  return (await call(emulator, 'GET', `/threads/${threadId}/messages${query}`)).body;
}

function idsOf(list: { data: Array<{ id: string }> }): string[] {
  return list.data.map((item) => item.id);
}

test('default order is newest first, limit 20', async () => {
  const list = await page('');
  expect(list).toMatchObject({ object: 'list', has_more: false, first_id: ids[4], last_id: ids[0] });
  expect(idsOf(list)).toEqual([...ids].reverse());
});

test('limit and after walk the list forward', async () => {
  const first = await page('?limit=2');
  expect(idsOf(first)).toEqual([ids[4], ids[3]]);
  expect(first.has_more).toBe(true);
  const second = await page(`?limit=2&after=${first.last_id}`);
  expect(idsOf(second)).toEqual([ids[2], ids[1]]);
  expect(second.has_more).toBe(true);
  const third = await page(`?limit=2&after=${second.last_id}`);
  expect(idsOf(third)).toEqual([ids[0]]);
  expect(third.has_more).toBe(false);
});

test('ascending order and before', async () => {
  const ascending = await page('?order=asc&limit=3');
  expect(idsOf(ascending)).toEqual(ids.slice(0, 3));
  const before = await page(`?order=asc&limit=2&before=${ids[4]}`);
  expect(idsOf(before)).toEqual([ids[2], ids[3]]);
  expect(before.has_more).toBe(true);
  const nearStart = await page(`?order=asc&limit=10&before=${ids[2]}`);
  expect(idsOf(nearStart)).toEqual([ids[0], ids[1]]);
  expect(nearStart.has_more).toBe(false);
});

test('an empty page has null first_id and last_id, as the service sends', async () => {
  const empty = await page(`?after=${ids[0]}`);
  expect(empty).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
});

test('run_id filters messages written by that run', async () => {
  const assistant = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
  const run = await call(emulator, 'POST', `/threads/${threadId}/runs`, { body: { assistant_id: assistant.body.id } });
  await waitForRunStatus(emulator, threadId, run.body.id, ['completed']);
  const byRun = await page(`?run_id=${run.body.id}`);
  expect(byRun.data).toHaveLength(1);
  expect(byRun.data[0]).toMatchObject({ role: 'assistant', run_id: run.body.id });
  const runs = (await call(emulator, 'GET', `/threads/${threadId}/runs`)).body;
  expect(runs).toMatchObject({ object: 'list', first_id: run.body.id, has_more: false });
  const assistants = (await call(emulator, 'GET', '/assistants?limit=1')).body;
  expect(assistants).toMatchObject({ object: 'list', first_id: assistant.body.id, has_more: false });
});
