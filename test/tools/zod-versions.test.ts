/**
 * The same tools written with zod 3 and with zod 4 behave the same: `defineTool` takes both,
 * `toolDefinitions` gives the same JSON Schema, and a run validates the model's arguments with the
 * tool's own zod and answers bad ones with the same `invalid_arguments` shape.
 *
 * zod 3 is the `zod3` alias (zod 3.25.76, whose root export is zod 3 and whose `zod/v4` is zod 4's
 * implementation as zod 3.25 ships it); zod 4 is agentrun's own (`zod` and `zod/v4` are the same
 * module on zod 4). Each is another copy of zod than the other, as in a service that installs
 * agentrun beside its own zod.
 */
import Ajv2020 from 'ajv/dist/2020';
import { DecisionRejectedError } from '../../src/client';
import { defineTool, toolDefinitions, type Tool } from '../../src/tools/define-tool';
import { isZod3Schema, isZod4Schema } from '../../src/tools/tool-schema';
import { startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { z as zod3 } from 'zod3';
import { z as zod325v4 } from 'zod3/v4';
import { z as zod4 } from 'zod/v4';

/** What every variant's handler answers: the arguments as the tool's zod parsed them (defaults applied). */
function describeBooking(variant: string, booking: { from: string; to: string; passengers: number; cabin: 'economy' | 'business'; travellers: Array<{ name: string }> }): string {
  return `${variant}: ${booking.passengers} ${booking.cabin} ${booking.from}-${booking.to} for ${booking.travellers.map((traveller) => traveller.name).join(', ')}`;
}

const withZod3 = defineTool({
  name: 'book_flight_zod3',
  description: 'Book a flight',
  parameters: zod3.object({
    from: zod3.string().length(3).describe('IATA code of the departure airport'),
    to: zod3.string().length(3).describe('IATA code of the arrival airport'),
    passengers: zod3.number().int().min(1).max(9).describe('How many people fly'),
    cabin: zod3.enum(['economy', 'business']).default('economy'),
    note: zod3.string().optional(),
    travellers: zod3.array(zod3.object({ name: zod3.string().describe('Full name') }).strict()),
  }),
  // The handler's arguments are typed from the zod 3 schema (this line does not compile otherwise).
  handler: (booking) => describeBooking('zod 3', booking),
});

const withZod4 = defineTool({
  name: 'book_flight_zod4',
  description: 'Book a flight',
  parameters: zod4.object({
    from: zod4.string().length(3).describe('IATA code of the departure airport'),
    to: zod4.string().length(3).describe('IATA code of the arrival airport'),
    passengers: zod4.number().int().min(1).max(9).describe('How many people fly'),
    cabin: zod4.enum(['economy', 'business']).default('economy'),
    note: zod4.string().optional(),
    travellers: zod4.array(zod4.strictObject({ name: zod4.string().describe('Full name') })),
  }),
  handler: (booking) => describeBooking('zod 4', booking),
});

const withZod325v4 = defineTool({
  name: 'book_flight_zod325v4',
  description: 'Book a flight',
  parameters: zod325v4.object({
    from: zod325v4.string().length(3).describe('IATA code of the departure airport'),
    to: zod325v4.string().length(3).describe('IATA code of the arrival airport'),
    passengers: zod325v4.number().int().min(1).max(9).describe('How many people fly'),
    cabin: zod325v4.enum(['economy', 'business']).default('economy'),
    note: zod325v4.string().optional(),
    travellers: zod325v4.array(zod325v4.strictObject({ name: zod325v4.string().describe('Full name') })),
  }),
  handler: (booking) => describeBooking("zod 3.25's zod/v4", booking),
});

/** A zod 3 tool a person approves first (its edited arguments are checked on the worker). */
const transfersWithZod3: Array<{ to: string; cents: number }> = [];
const transferWithZod3 = defineTool({
  name: 'transfer_zod3',
  parameters: zod3.object({ to: zod3.string(), cents: zod3.number().int().positive() }),
  policy: 'approval',
  handler: (transfer) => {
    transfersWithZod3.push(transfer);
    return `sent ${transfer.cents} to ${transfer.to}`;
  },
});

const variants: Array<[string, Tool]> = [
  ['zod 3', withZod3],
  ['zod 4', withZod4],
  ["zod 3.25's zod/v4", withZod325v4],
];

describe('tools written with zod 3 and zod 4', () => {
  it('defineTool recognises each by shape, not by instanceof agentrun’s zod', () => {
    expect(isZod3Schema(withZod3.parameters)).toBe(true);
    expect(isZod4Schema(withZod3.parameters)).toBe(false);
    for (const tool of [withZod4, withZod325v4]) {
      expect(isZod4Schema(tool.parameters)).toBe(true);
      expect(isZod3Schema(tool.parameters)).toBe(false);
    }
    for (const notASchema of [{ type: 'object', properties: {} }, { _def: {} }, null, 'string']) {
      expect(() => defineTool({ name: 'broken', parameters: notASchema as never, handler: () => 'x' })).toThrow('defineTool(broken): parameters must be a zod schema (zod 3 or zod 4)');
    }
  });

  it('toolDefinitions gives the same JSON Schema for each', () => {
    const expected = {
      type: 'object',
      properties: {
        from: { type: 'string', minLength: 3, maxLength: 3, description: 'IATA code of the departure airport' },
        to: { type: 'string', minLength: 3, maxLength: 3, description: 'IATA code of the arrival airport' },
        passengers: { type: 'integer', minimum: 1, maximum: 9, description: 'How many people fly' },
        cabin: { type: 'string', enum: ['economy', 'business'], default: 'economy' },
        note: { type: 'string' },
        travellers: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string', description: 'Full name' } }, required: ['name'], additionalProperties: false },
        },
      },
      // What the model must send: a defaulted or optional field is not required on input.
      required: ['from', 'to', 'passengers', 'travellers'],
    };
    for (const [variant, tool] of variants) {
      const [definition] = toolDefinitions([tool]);
      expect({ variant, definition }).toEqual({ variant, definition: { type: 'function', name: tool.name, description: 'Book a flight', parameters: expected } });
    }
  });

  it('takes schemas written in zod 3 and in zod 4, and both accept and refuse the same arguments', () => {
    // zod 3 gives anyOf [string|number, null] and no additionalProperties on an open object; zod 4
    // gives one type list (or nested anyOf, by version) and `additionalProperties: {}`.
    const parameters = toolDefinitions([
      defineTool({ name: 'a', parameters: zod3.object({ when: zod3.union([zod3.string(), zod3.number()]).nullable(), extra: zod3.object({}).passthrough() }), handler: () => '' }),
      defineTool({ name: 'b', parameters: zod4.object({ when: zod4.union([zod4.string(), zod4.number()]).nullable(), extra: zod4.looseObject({}) }), handler: () => '' }),
    ]).map((definition) => (definition as { parameters: object }).parameters);
    const ajv = new Ajv2020({ strict: false });
    const samples = [{ when: 'today', extra: {} }, { when: 3, extra: { any: 'key' } }, { when: null, extra: {} }, { when: true, extra: {} }, { when: 'today' }, { when: 'today', extra: 'x' }];
    for (const schema of parameters) {
      const accepts = ajv.compile(schema);
      expect(samples.map((sample) => accepts(sample))).toEqual([true, true, true, false, false, false]);
    }
  });
});

describe('a run calling tools written with zod 3 and zod 4', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('zod-versions', { tools: [withZod3, withZod4, withZod325v4, transferWithZod3] });
  });
  afterAll(async () => harness.close());

  it('validates the model’s arguments with the tool’s own zod and answers bad ones the same way', async () => {
    const good = { from: 'CDG', to: 'OSL', passengers: 2, travellers: [{ name: 'Ada' }, { name: 'Alan' }] };
    const bad = { from: 'Paris', passengers: 'two', travellers: [{ name: 'Ada', age: 36 }] };
    // One run per variant (an assistant's script is metadata, at most 512 characters), side by side.
    const results = await Promise.all(
      variants.map(async ([, tool]) => {
        const assistantId = await harness.assistant({ steps: [{ tools: [{ name: tool.name, arguments: good }, { name: tool.name, arguments: bad }] }, { answer: 'Booked.' }] });
        return harness.client.run(harness.input(assistantId));
      }),
    );

    variants.forEach(([variant, tool], index) => {
      const result = results[index]!;
      expect(result.status).toBe('completed');
      const [accepted, refused] = result.toolCalls;
      // The default (cabin) is applied by the tool's zod before the handler runs.
      expect(accepted).toMatchObject({ name: tool.name, isError: false, output: `${variant}: 2 economy CDG-OSL for Ada, Alan` });
      expect(refused).toMatchObject({ name: tool.name, isError: true });
      const error = JSON.parse(refused!.output!).error as { type: string; message: string; issues: Array<{ path: string; message: string }> };
      expect(Object.keys(error).sort()).toEqual(['issues', 'message', 'type']);
      expect(error.type).toBe('invalid_arguments');
      // Each wrong field by its path, in the tool's zod's words (zod 3 and 4 word them differently).
      expect(error.issues.map((issue) => issue.path).sort()).toEqual(['from', 'passengers', 'to', 'travellers.0']);
      for (const issue of error.issues) expect(issue.message).toMatch(/\S/);
      expect(error.message).toMatch(new RegExp(`^The arguments do not match ${tool.name}'s parameters: .*passengers: .+\\. Call ${tool.name} again with corrected arguments\\.$`));
      for (const issue of error.issues) expect(error.message).toContain(`${issue.path}: ${issue.message}`);
    });
  });

  it('checks a person’s edit against a zod 3 schema, naming the field', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'transfer_zod3', arguments: { to: 'bob', cents: 500 } }] }, { answer: 'done' }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    const waiting = await waitingForApproval(harness.client, workflowId);
    const toolCallId = waiting.pendingApprovals[0]!.toolCallId;
    const rejection = await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', cents: -3 } }).catch((caught: unknown) => caught);
    expect(rejection).toBeInstanceOf(DecisionRejectedError);
    expect((rejection as Error).message).toMatch(/Edited arguments for transfer_zod3 .* do not match its parameters \(cents: .+\)/);

    await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', cents: 300 } });
    const result = await handle.result();
    expect(result.toolCalls[0]).toMatchObject({ output: 'sent 300 to bob', decision: { type: 'approved' } });
    expect(transfersWithZod3).toEqual([{ to: 'bob', cents: 300 }]);
  });
});
