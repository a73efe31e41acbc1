/*
 * A tool module, as you would write one: `agentrun worker --tools ./examples/tools.js`.
 * It exports an array of tools made with defineTool; the worker runs them when a run asks.
 *
 * In your own project write `const { defineTool } = require('agentrun');`. Inside this repository
 * the package is not installed under its own name, so this file loads the build (`npm run build`).
 *
 * These are the same two tools `agentrun dev` runs (src/examples/example-tools.ts): workers that
 * share a task queue must agree on their tools.
 */
const { createHash } = require('node:crypto');
const { z } = require('zod');
const { defineTool } = require('../dist');

const CONDITIONS = ['sunny', 'partly cloudy', 'overcast', 'light rain', 'windy'];

function stableNumber(text) {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

module.exports = [
  defineTool({
    name: 'get_weather',
    description: 'Current weather for a city (example data, no network).',
    parameters: z.object({ city: z.string().min(1).describe('City name, e.g. Paris') }),
    // Read-only: safe to retry, and runs without asking anyone.
    idempotent: true,
    timeout: '10s',
    handler: ({ city }) => {
      const seed = stableNumber(city.trim().toLowerCase());
      return { city, conditions: CONDITIONS[seed % CONDITIONS.length], temperatureC: 8 + (seed % 17), source: 'agentrun example data' };
    },
  }),
  defineTool({
    name: 'book_meeting_room',
    description: 'Books a meeting room. A person approves every booking.',
    parameters: z.object({
      room: z.string().min(1).describe('Room name, e.g. Lovelace'),
      start: z.string().min(1).describe('Start time, e.g. 15:00'),
      minutes: z.number().int().min(15).max(240).default(30).describe('Length in minutes'),
    }),
    // A side effect: a person approves each call (`agentrun approve ...`), and it runs at most once.
    policy: 'approval',
    timeout: '30s',
    handler: ({ room, start, minutes }, { idempotencyKey }) => {
      // The idempotency key is the same on every retry: a real booking API would deduplicate on it.
      const confirmation = `BK-${(stableNumber(idempotencyKey) % 1_000_000).toString().padStart(6, '0')}`;
      return { booked: true, room, start, minutes, confirmation };
    },
  }),
];
