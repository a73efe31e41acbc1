/**
 * The example tools `agentrun dev` runs on its in-process worker and the demo's assistant calls:
 * one harmless lookup the worker runs on its own, one side effect a person approves first.
 *
 * Both are offline and deterministic (no weather service, no calendar), so the demo works on a
 * fresh clone with no network and no key. `examples/tools.js` defines the same two tools the way a
 * user's tool module would, for `agentrun worker --tools ./examples/tools.js`: keep them in step,
 * because workers on one task queue must agree on their tools.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod/v4';
import { defineTool, type Tool } from '../tools/define-tool';

const CONDITIONS = ['sunny', 'partly cloudy', 'overcast', 'light rain', 'windy'] as const;

/** A stable number from text, so the same city always gets the same made-up weather. */
function stableNumber(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** `get_weather`: made-up current weather for a city. Read-only, so safe to retry and run without asking. */
export const getWeatherTool = defineTool({
  name: 'get_weather',
  description: 'Current weather for a city (example data, no network).',
  parameters: z.object({ city: z.string().min(1).describe('City name, e.g. Paris') }),
  idempotent: true,
  timeout: '10s',
  handler: ({ city }) => {
    const seed = stableNumber(city.trim().toLowerCase());
    return { city, conditions: CONDITIONS[seed % CONDITIONS.length], temperatureC: 8 + (seed % 17), source: 'agentrun example data' };
  },
});

/**
 * `book_meeting_room`: books a room. A side effect, so every call waits for a person's approval,
 * and it is not idempotent (one attempt): the confirmation number comes from the idempotency key,
 * the way a real booking API would deduplicate a repeated request.
 */
export const bookMeetingRoomTool = defineTool({
  name: 'book_meeting_room',
  description: 'Books a meeting room. A person approves every booking.',
  parameters: z.object({
    room: z.string().min(1).describe('Room name, e.g. Lovelace'),
    start: z.string().min(1).describe('Start time, e.g. 15:00'),
    minutes: z.number().int().min(15).max(240).default(30).describe('Length in minutes'),
  }),
  policy: 'approval',
  timeout: '30s',
  handler: ({ room, start, minutes }, { idempotencyKey }) => {
    const confirmation = `BK-${(stableNumber(idempotencyKey) % 1_000_000).toString().padStart(6, '0')}`;
    return { booked: true, room, start, minutes, confirmation };
  },
});

/** Both example tools, in the shape a tool module exports. */
export const exampleTools: Tool[] = [getWeatherTool, bookMeetingRoomTool];

export default exampleTools;
