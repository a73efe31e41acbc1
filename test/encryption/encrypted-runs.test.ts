/**
 * Payload encryption end to end: a run with a tool round and an approval, on a worker and a client
 * that share `AGENTRUN_ENCRYPTION_KEYS`-style keys. Nothing the model, the tool or the person wrote
 * may appear in clear anywhere in the workflow's history; status, approve and the CLI still work;
 * after a rotation, runs encrypted with the old key stay readable.
 */
import { randomBytes } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { Payload } from '@temporalio/common';
import { z } from 'zod/v4';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../src/dev-server/temporal-cli';
import { startCodecServer } from '../../src/encryption/codec-server';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, type EncryptionKey } from '../../src/encryption/encryption-codec';
import { defineTool } from '../../src/tools/define-tool';
import { startHarness, waitingForApproval, type Harness } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { parseJsonOutput, requireBuiltCli, runCli, type CliOptions } from '../cli/cli-process';
import type { AgentRunResult, AgentRunState } from '../../src/shared/run-types';

const execFileAsync = promisify(execFile);
const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const keysVariable = (keys: EncryptionKey[]) => keys.map(({ id, key: bytes }) => `${id}:${Buffer.from(bytes).toString('base64')}`).join(',');

// Words that must never be readable in history: the conversation, the tool's arguments and output, the decision.
const RECIPIENT = 'recipient-zq7-bob';
const USER_MESSAGE = 'please-pay-zq7-invoice';
const TOOL_OUTPUT_MARK = 'receipt-zq7';
const FINAL_ANSWER = 'answer-zq7-paid';
const APPROVER = 'approver-zq7-alice';
const REASON = 'reason-zq7-checked';
const SECRET_WORDS = [RECIPIENT, USER_MESSAGE, TOOL_OUTPUT_MARK, FINAL_ANSWER, APPROVER, REASON];

const pay = defineTool({
  name: 'pay_invoice',
  parameters: z.object({ to: z.string(), amount: z.number() }),
  policy: 'approval',
  handler: ({ to, amount }) => `${TOOL_OUTPUT_MARK}: paid ${amount} to ${to}`,
});
const payScript = { steps: [{ tools: [{ name: 'pay_invoice', arguments: { to: RECIPIENT, amount: 12 } }] }, { answer: FINAL_ANSWER }] };

/**
 * Core's own bookkeeping, which no codec sees by design: search attributes (the server indexes
 * them; agentrun's hold ids and statuses) and the details core writes on its markers (a patch's
 * id; a local activity's sequence number, type and times: its result is a payload like any other).
 */
const NOT_CODEC_PAYLOADS = new Set(['searchAttributes', 'patch-data', 'data']);

/** Every payload in a history the codec handles, wherever it sits (inputs, results, signals, updates, details, failures). */
function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const item of value) payloadsOf(item, found);
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const record = value as Record<string, unknown>;
    if ('metadata' in record && 'data' in record && ArrayBuffer.isView(record.data)) found.push(record as Payload);
    else for (const [name, field] of Object.entries(record)) if (!NOT_CODEC_PAYLOADS.has(name)) payloadsOf(field, found);
  }
  return found;
}

/**
 * The text of every JSON payload in `temporal workflow show --output json` (which prints payload
 * data in base64): what a person reading the CLI's output can see.
 */
function readablePayloadText(output: string): string {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as { metadata?: { encoding?: string }; data?: string };
      if (typeof record.data === 'string' && Buffer.from(record.metadata?.encoding ?? '', 'base64').toString() === 'json/plain') texts.push(Buffer.from(record.data, 'base64').toString());
      else Object.values(value).forEach(visit);
    }
  };
  visit(JSON.parse(output || '{}'));
  return texts.join('\n');
}

describe('encrypted payloads (AGENTRUN_ENCRYPTION_KEYS)', () => {
  const oldKey = key('2026-10');
  const currentKey = key('2026-11');
  let harness: Harness;

  beforeAll(async () => {
    requireBuiltCli();
    // The worker has rotated: it encrypts with the current key and still reads the old one.
    harness = await startHarness('encryption', { tools: [pay], encryptionKeys: [currentKey, oldKey] });
    await harness.workerPolling();
  });
  afterAll(async () => harness?.close());

  async function rawHistory(workflowId: string) {
    return harness.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  }

  it('keeps the conversation, tool arguments, outputs and decisions out of history in clear; status and approve work', async () => {
    const assistantId = await harness.assistant(payScript);
    const { workflowId, handle } = await harness.client.start({ ...harness.input(assistantId), thread: { messages: [{ role: 'user', content: USER_MESSAGE }] } });
    const waiting = await waitingForApproval(harness.client, workflowId);
    // status() reads the query answer and the wait's heartbeat details: both encrypted.
    expect(waiting.pendingApprovals[0]).toMatchObject({ name: 'pay_invoice', arguments: JSON.stringify({ to: RECIPIENT, amount: 12 }) });
    expect(waiting.runId).toMatch(/^run_/);
    await harness.client.approve(workflowId, { toolCallId: waiting.pendingApprovals[0]!.toolCallId, approver: APPROVER, reason: REASON });
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]).toMatchObject({ output: `${TOOL_OUTPUT_MARK}: paid 12 to ${RECIPIENT}`, decision: { approver: APPROVER, reason: REASON } });
    expect(result.messages.map((message) => message.text).join(' ')).toContain(FINAL_ANSWER);

    const history = await rawHistory(workflowId);
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    for (const word of SECRET_WORDS) expect({ word, inClear: bytes.includes(word) }).toEqual({ word, inClear: false });
    // Every payload is encrypted, with the current key; decrypted, the words are there.
    const payloads = payloadsOf(history.events);
    expect(payloads.length).toBeGreaterThan(10);
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      expect(Buffer.from(payload.metadata![KEY_ID_METADATA]!).toString()).toBe(currentKey.id);
    }
    const decrypted = await new AesGcmPayloadCodec([currentKey]).decode(payloads);
    const clear = Buffer.concat(decrypted.map((payload) => Buffer.from(payload.data ?? [])));
    for (const word of SECRET_WORDS) expect({ word, found: clear.includes(word) }).toEqual({ word, found: true });

    // The temporal CLI shows the run decrypted through agentrun's codec server, and only with its token.
    const codecServer = await startCodecServer({ codec: new AesGcmPayloadCodec([currentKey, oldKey]), port: 0, allowedOrigins: [], token: 'codec-token' });
    try {
      const temporalCli = await findTemporalCli({ install: false });
      // Asynchronously: the codec server answers from this process.
      const show = async (extra: string[]) => {
        const args = ['workflow', 'show', '--workflow-id', workflowId, '--address', temporalAddress(), '--namespace', temporalNamespace(), '--codec-endpoint', codecServer.url, ...extra, '--output', 'json'];
        return execFileAsync(temporalCli.path, args, { encoding: 'utf8', timeout: 30_000 }).then(
          ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
          (error: { code?: number; stdout?: string; stderr?: string }) => ({ status: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
        );
      };
      const shown = await show(['--codec-auth', 'Bearer codec-token']);
      expect(shown.status).toBe(0);
      for (const word of [RECIPIENT, FINAL_ANSWER, APPROVER]) expect({ word, shown: readablePayloadText(shown.stdout).includes(word) }).toEqual({ word, shown: true });
      const refused = await show([]);
      for (const word of [RECIPIENT, FINAL_ANSWER]) expect({ word, shown: readablePayloadText(refused.stdout).includes(word) || refused.stderr.includes(word) }).toEqual({ word, shown: false });
    } finally {
      await codecServer.close();
    }
  }, 60_000);

  it('reads a run started with the old key: its input stays decryptable, new payloads use the current key', async () => {
    const assistantId = await harness.assistant(payScript);
    // A client that has not rotated yet starts the run: its input is encrypted with the old key.
    const { AgentRunClient } = await import('../../src/client');
    const { Client } = await import('@temporalio/client');
    const { agentrunDataConverter } = await import('../../src/encryption/data-converter');
    const oldClient = new AgentRunClient(new Client({ connection: harness.temporal.connection, namespace: temporalNamespace(), dataConverter: agentrunDataConverter([oldKey])! }), { taskQueue: harness.temporal.taskQueue });
    const { workflowId } = await oldClient.start({ ...harness.input(assistantId), thread: { messages: [{ role: 'user', content: USER_MESSAGE }] } });
    const waiting = await waitingForApproval(harness.client, workflowId);
    expect(waiting.pendingApprovals[0]!.name).toBe('pay_invoice');

    const payloads = payloadsOf((await rawHistory(workflowId)).events);
    const keyIds = payloads.map((payload) => Buffer.from(payload.metadata![KEY_ID_METADATA]!).toString());
    expect(keyIds[0]).toBe(oldKey.id); // the workflow input
    expect(keyIds.slice(1)).toContain(currentKey.id);
    // Without the old key listed, the same history is unreadable, and the error names the key to add.
    await expect(new AesGcmPayloadCodec([currentKey]).decode(payloads)).rejects.toThrow(`a payload is encrypted with key "${oldKey.id}", which is not among the listed keys (${currentKey.id}): add it to AGENTRUN_ENCRYPTION_KEYS`);
    // A client that has only the old key cannot read what the rotated worker wrote.
    await expect(oldClient.status(workflowId)).rejects.toThrow(`key "${currentKey.id}"`);
    await harness.client.cancel(workflowId);
  });

  it('the CLI (run, status, approve) reads and writes encrypted runs with AGENTRUN_ENCRYPTION_KEYS', async () => {
    const cli: CliOptions = {
      env: {
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: temporalNamespace(),
        AGENTRUN_TASK_QUEUE: harness.temporal.taskQueue,
        AGENTRUN_ENCRYPTION_KEYS: keysVariable([currentKey, oldKey]),
      },
    };
    const assistantId = await harness.assistant(payScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const waiting = await waitingForApproval(harness.client, workflowId);
    const status = await runCli(['status', workflowId, '--json'], cli);
    expect(status.exitCode).toBe(0);
    expect(parseJsonOutput<AgentRunState>(status).pendingApprovals[0]).toMatchObject({ name: 'pay_invoice' });
    const approved = await runCli(['approve', workflowId, waiting.pendingApprovals[0]!.toolCallId, '--approver', APPROVER], cli);
    expect(approved.stderr).toBe('');
    expect(approved.exitCode).toBe(0);
    expect((await handle.result()).status).toBe('completed');

    const noTools = await harness.assistant({ steps: [{ answer: FINAL_ANSWER }] });
    const ran = await runCli(['run', '--assistant', noTools, '--message', USER_MESSAGE, '--json', '--poll-interval', '100ms'], cli);
    expect(ran.exitCode).toBe(0);
    const printed = parseJsonOutput<AgentRunResult>(ran);
    expect(printed.messages[0]!.text).toContain(FINAL_ANSWER);
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(await rawHistory(printed.workflowId)).finish());
    expect(bytes.includes(USER_MESSAGE)).toBe(false);

    // Without the keys, the CLI cannot read the run, and says which key it needs.
    const unkeyed = await runCli(['status', printed.workflowId], { env: { ...cli.env, AGENTRUN_ENCRYPTION_KEYS: '' } });
    expect(unkeyed.exitCode).not.toBe(0);
    // A malformed key list stops the command before it connects, naming the entry and the fix.
    const malformed = await runCli(['status', printed.workflowId], { env: { ...cli.env, AGENTRUN_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' } });
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain('AGENTRUN_ENCRYPTION_KEYS entry 1 (key id "k1") is 5 bytes: AES-256 needs exactly 32 (openssl rand -base64 32)');
  }, 60_000);
});
