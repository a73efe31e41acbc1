/**
 * The provider budget against a real HTTP server: concurrency and rate bounds hold across many
 * callers, a 429 pauses every caller until its retry-after and the request is sent again, and what
 * waiting cannot fix (insufficient_quota, a 429 longer than the budget's patience) reaches the caller.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderBudget } from '../../src/providers/provider-budget';

describe('provider budget', () => {
  let server: http.Server;
  let url: string;
  let inFlight = 0;
  let peakInFlight = 0;
  const startedAt: number[] = [];
  /** Answers for the next requests (a queue), then 200. */
  const answers: Array<{ status: number; headers?: Record<string, string>; body?: string }> = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      startedAt.push(Date.now());
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const answer = answers.shift() ?? { status: 200, body: '{"ok":true}' };
      setTimeout(() => {
        inFlight -= 1;
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(answer.body ?? '{}');
      }, 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    peakInFlight = 0;
    startedAt.length = 0;
    answers.length = 0;
  });

  it('keeps at most maxConcurrent requests in flight, however many callers', async () => {
    const budget = new ProviderBudget('test', { maxConcurrent: 3 });
    const budgeted = budget.wrap(fetch);
    const responses = await Promise.all(Array.from({ length: 20 }, () => budgeted(url)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(peakInFlight).toBe(3);
    expect(budget.stats()).toMatchObject({ requests: 20, inFlight: 0, queued: 0 });
  });

  it('starts at most maxPerSecond requests in any second', async () => {
    // When the budget lets each request go (the server sees them later, bunched by connection set-up).
    // Warm fetch up first, outside the budget: the first request's one-off set-up would delay the
    // moment the test records for the requests released with it, and bunch them with the next second's.
    await fetch(url);
    const sentAt: number[] = [];
    const budgeted = new ProviderBudget('test', { maxPerSecond: 5 }).wrap((input, init) => {
      sentAt.push(Date.now());
      return fetch(input, init);
    });
    await Promise.all(Array.from({ length: 12 }, () => budgeted(url)));
    for (const start of sentAt) expect(sentAt.filter((other) => other >= start && other < start + 1_000).length).toBeLessThanOrEqual(5);
    // 12 requests at 5 per second span more than two seconds.
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(2_000);
  });

  it('a 429 pauses every caller until its retry-after, then sends the request again', async () => {
    const budget = new ProviderBudget('test');
    const budgeted = budget.wrap(fetch);
    answers.push({ status: 429, headers: { 'retry-after-ms': '400' }, body: '{"error":{"code":"rate_limit_exceeded"}}' });
    const first = budgeted(url, { method: 'POST', body: '{"n":1}' });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the 429 has arrived: the budget is paused
    const second = budgeted(url);
    const [one, two] = await Promise.all([first, second]);
    expect([one.status, two.status]).toEqual([200, 200]);
    // Nothing was sent during the pause: the retry and the second caller both waited it out.
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(400);
    expect(budget.stats()).toMatchObject({ throttled: 1, passedOn: 0 });
  });

  it('passes on insufficient_quota and a 429 longer than its patience', async () => {
    const budget = new ProviderBudget('test', { maxThrottledWaitMs: 1_000 });
    const budgeted = budget.wrap(fetch);
    answers.push({ status: 429, body: '{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}' });
    expect((await budgeted(url)).status).toBe(429);
    answers.push({ status: 429, headers: { 'retry-after': '60' } });
    expect((await budgeted(url)).status).toBe(429);
    expect(budget.stats()).toMatchObject({ throttled: 0, passedOn: 2 });
  });

  it('a caller cancelled while it waits leaves the queue', async () => {
    const budget = new ProviderBudget('test', { maxConcurrent: 1 });
    const budgeted = budget.wrap(fetch);
    const holding = budgeted(url);
    const controller = new AbortController();
    const waiting = budgeted(url, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    await holding;
    expect(budget.stats()).toMatchObject({ queued: 0, inFlight: 0, requests: 1 });
  });
});
