/**
 * Signed decisions on a real worker: a run that requires them takes a decision signed by a key the
 * worker trusts, with the verified identity in the call's record; every other one (unsigned, by
 * another key, expired, for another call, for other arguments, for another approver, read back
 * from history) goes back to its sender with the reason, and changes nothing.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { z } from 'zod';
import { DecisionRejectedError } from '../../src/client';
import { decideToolCallUpdate } from '../../src/shared/run-messages';
import { DECISION_AUDIENCE, decisionDigest, decisionTrustFromEnvironment, signDecision, trustPublicKeys, verifyDecision, type DecisionContent } from '../../src/decisions/signed-decisions';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, waitingForApproval, type Harness } from '../support/agentrun-harness';
import { AGENT_RUN_LAST_APPROVER } from '../../src/shared/search-attributes';
import { requireBuiltCli, runCli } from '../cli/cli-process';
import { temporalAddress, temporalNamespace } from '../support/temporal';

const ISSUER = 'https://login.acme.test';

function keyPair(): { privateKey: KeyObject; publicPem: string; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

describe('signed decisions', () => {
  const trusted = keyPair();
  const stranger = keyPair();
  const refunds: string[] = [];
  let harness: Harness;

  beforeAll(async () => {
    requireBuiltCli();
    const refund = defineTool({
      name: 'refund',
      description: 'Refunds an order',
      parameters: z.object({ order: z.string(), amount: z.number() }),
      policy: 'approval',
      handler: async ({ order, amount }) => {
        refunds.push(`${order}:${amount}`);
        return `refunded ${amount} on ${order}`;
      },
    });
    harness = await startHarness('signed-decisions', { tools: [refund], decisionTrust: await trustPublicKeys([{ pem: trusted.publicPem, source: 'acme.pem' }], [ISSUER]) });
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** A run that waits on two refunds (one round), requires signatures, and lets the finance group decide. */
  async function twoRefundsWaiting() {
    const script = {
      steps: [
        {
          tools: [
            { name: 'refund', arguments: { order: 'A-1', amount: 20 } },
            { name: 'refund', arguments: { order: 'B-2', amount: 900 } },
          ],
        },
        { answer: 'Done.' },
      ],
    };
    const assistantId = await harness.assistant(script);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId, { approval: { requireSignedDecisions: true, approvers: ['group:finance'] } }));
    const state = await waitingForApproval(harness.client, workflowId);
    expect(state.pendingApprovals).toHaveLength(2);
    const [first, second] = state.pendingApprovals.map((call) => call.toolCallId) as [string, string];
    return { workflowId, handle, first, second };
  }

  const sign = (content: DecisionContent, overrides: Partial<Parameters<typeof signDecision>[1]> = {}) =>
    signDecision(content, { privateKey: trusted.privateKey, issuer: ISSUER, subject: 'alice@acme.test', groups: ['finance'], ...overrides });

  async function rejection(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DecisionRejectedError);
    return (error as Error).message;
  }

  it('takes a decision signed by a trusted key and records who signed it', async () => {
    const { workflowId, handle, first, second } = await twoRefundsWaiting();
    const approve = { workflowId, toolCallId: first, decision: 'approve' as const };
    const settled = await harness.client.approve(workflowId, { toolCallId: first, approver: 'alice@acme.test', signature: await sign(approve) });
    expect(settled?.decision).toMatchObject({
      type: 'approved',
      approver: 'alice@acme.test',
      verified: { subject: 'alice@acme.test', issuer: ISSUER, groups: ['finance'], signatureId: expect.any(String), signedAt: expect.any(String), expiresAt: expect.any(String) },
    });
    const deny = { workflowId, toolCallId: second, decision: 'deny' as const, reason: 'too large' };
    await harness.client.deny(workflowId, { toolCallId: second, approver: 'alice@acme.test', reason: 'too large', signature: await sign(deny) });
    // The audit trail: the Web UI's current details and the last approver's search attribute.
    await eventually(async () => {
      const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
      return metadata.currentDetails?.includes(`- denied: \`refund\` (${second}) by alice@acme.test (signed, ${ISSUER}) at `);
    }, 10_000, 'the decisions in the current details');
    const result = await handle.result();
    expect((await handle.describe()).typedSearchAttributes.get(AGENT_RUN_LAST_APPROVER)).toBe('alice@acme.test');
    expect(result.status).toBe('completed');
    expect(result.toolCalls.map((call) => [call.decision?.type, call.decision && 'verified' in call.decision ? call.decision.verified?.subject : undefined])).toEqual([
      ['approved', 'alice@acme.test'],
      ['denied', 'alice@acme.test'],
    ]);
    expect(refunds).toEqual(['A-1:20']);
  });

  it('rejects every decision that is not proven for exactly this call, and changes nothing', async () => {
    refunds.length = 0;
    const { workflowId, handle, first, second } = await twoRefundsWaiting();
    const content = { workflowId, toolCallId: first, decision: 'approve' as const };
    const alice = { toolCallId: first, approver: 'alice@acme.test' };
    const reasons: string[] = [];

    // Unsigned: refused by the update's validator.
    reasons.push(await rejection(harness.client.approve(workflowId, alice)));
    // Signed by a key the worker does not trust.
    reasons.push(await rejection(harness.client.approve(workflowId, { ...alice, signature: await sign(content, { privateKey: stranger.privateKey }) })));
    // Expired (signed an hour ago for five minutes).
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ groups: ['finance'], agentrun: { ...content, digest: decisionDigest({}) } })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(ISSUER)
      .setSubject('alice@acme.test')
      .setAudience(DECISION_AUDIENCE)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 3300)
      .setJti(randomUUID())
      .sign(trusted.privateKey);
    reasons.push(await rejection(harness.client.approve(workflowId, { ...alice, signature: expired })));
    // Signed for the other call.
    reasons.push(await rejection(harness.client.approve(workflowId, { ...alice, signature: await sign({ ...content, toolCallId: second }) })));
    // Signed for other arguments than those sent.
    const signedEdit = await sign({ ...content, arguments: { order: 'A-1', amount: 10 } });
    reasons.push(await rejection(harness.client.approve(workflowId, { ...alice, arguments: { order: 'A-1', amount: 10_000 }, signature: signedEdit })));
    // Signed for a denial, sent as an approval.
    reasons.push(await rejection(harness.client.approve(workflowId, { ...alice, signature: await sign({ ...content, decision: 'deny', reason: 'no' }) })));
    // Claiming another approver than the one signed.
    reasons.push(await rejection(harness.client.approve(workflowId, { toolCallId: first, approver: 'bob@acme.test', signature: await sign(content) })));
    // A signed identity outside the approvers (not in the finance group).
    reasons.push(await rejection(harness.client.approve(workflowId, { toolCallId: first, approver: 'mallory@acme.test', signature: await sign(content, { subject: 'mallory@acme.test', groups: ['sales'] }) })));
    // A token of the right key made for something else (another audience).
    const otherAudience = await new SignJWT({ agentrun: { ...content, digest: decisionDigest({}) } })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(ISSUER)
      .setSubject('alice@acme.test')
      .setAudience('billing-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(trusted.privateKey);
    reasons.push(await rejection(harness.client.approve(workflowId, { ...alice, signature: otherAudience })));

    // What the run can tell without a key (another call, verb or audience; expired) was refused by
    // the update's validator: those left nothing in history. The rest were checked on the worker.
    const accepted = async () => (await handle.fetchHistory()).events!.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length;
    const acceptedBefore = await accepted();
    // Sent as fresh updates (new ids: the server would answer a repeated id from its record).
    const fresh = (signature: string) =>
      handle.executeUpdate(decideToolCallUpdate, { args: [{ decision: 'approve', ...alice, signature }], updateId: randomUUID() }).then(
        () => 'accepted',
        (error: Error) => (error as { cause?: Error }).cause?.message ?? error.message,
      );
    expect(await fresh(await sign({ ...content, toolCallId: second }))).toContain(`the signature is for tool call ${second}`);
    expect(await fresh(expired)).toContain('the signed decision has expired');
    expect(await fresh(otherAudience)).toContain('the signed token is not a decision');
    expect(await fresh(await sign({ ...content, decision: 'deny', reason: 'no' }))).toContain('the signature is for the decision "deny"');
    expect(await accepted()).toBe(acceptedBefore);
    expect(reasons).toEqual([
      expect.stringContaining('This run accepts only signed decisions (approval.requireSignedDecisions)'),
      expect.stringContaining('was refused: it is not signed by a key this worker trusts (AGENTRUN_DECISION_PUBLIC_KEYS (acme.pem))'),
      expect.stringContaining('was refused: the signed decision has expired: sign it again'),
      expect.stringContaining(`was refused: the signature is for tool call ${second} of run ${workflowId}, not ${first} of ${workflowId}`),
      expect.stringContaining('was refused: the signature is for other content: the edited arguments, the output or the reason differ from what was signed'),
      expect.stringContaining('was refused: the signature is for the decision "deny", not "approve"'),
      expect.stringContaining('The approver "bob@acme.test" is not the signed identity "alice@acme.test"'),
      expect.stringContaining(`mallory@acme.test (signed by ${ISSUER}, groups sales) may not decide calls of this run`),
      expect.stringContaining(`the signed token is not a decision (audience must be ${DECISION_AUDIENCE})`),
    ]);
    // Nothing changed: both calls still wait, nothing ran.
    const state = await harness.client.status(workflowId);
    expect(state.phase).toBe('waiting_for_approval');
    expect(state.pendingApprovals.map((call) => [call.toolCallId, call.decision])).toEqual([
      [first, undefined],
      [second, undefined],
    ]);
    expect(refunds).toEqual([]);

    // A real approval of the first call, through the CLI with --sign-key, then its signature read
    // back from history: it approves nothing else.
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-signing-')), 'alice.pem');
    fs.writeFileSync(keyFile, trusted.privatePem, { mode: 0o600 });
    const cli = (args: string[]) => runCli(args, { env: { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace(), AGENTRUN_TASK_QUEUE: harness.temporal.taskQueue } });
    const approved = await cli(['approve', workflowId, first, '--approver', 'alice@acme.test', '--sign-key', keyFile, '--issuer', ISSUER, '--group', 'finance']);
    expect(approved.stderr).toBe('');
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout).toContain(`Approved refund (${first}) in ${workflowId} as alice@acme.test (signed, verified: alice@acme.test by ${ISSUER}).`);
    const history = await handle.fetchHistory();
    const copied = history
      .events!.map((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data)
      .filter((data): data is Uint8Array => Boolean(data))
      .map((data) => JSON.parse(Buffer.from(data).toString('utf8')) as { toolCallId: string; signature?: string })
      .filter((payload) => payload.toolCallId === first && payload.signature)
      // Refused ones are in history too (accepted by the validator, failed by the check): the last is the CLI's.
      .at(-1)!.signature!;
    const replayed = await rejection(harness.client.approve(workflowId, { toolCallId: second, approver: 'alice@acme.test', signature: copied }));
    expect(replayed).toContain(`the signature is for tool call ${first} of run ${workflowId}, not ${second}`);
    // Sent again to its own call as a fresh update (as `temporal workflow update execute` would): refused.
    const again = await handle
      .executeUpdate(decideToolCallUpdate, { args: [{ decision: 'approve', toolCallId: first, approver: 'alice@acme.test', signature: copied }], updateId: randomUUID() })
      .then(
        () => 'accepted',
        (error: Error) => (error as { cause?: Error }).cause?.message ?? error.message,
      );
    expect(again).toContain(`Tool call ${first} was already decided (approve by alice@acme.test)`);
    // (AgentRunClient names an update after its decision: the very same decision sent again gets the first one's outcome, and does nothing twice.)
    // The CLI with a key the workers do not trust: exit 2, the reason on stderr.
    fs.writeFileSync(keyFile, stranger.privatePem, { mode: 0o600 });
    const refused = await cli(['deny', workflowId, second, '--approver', 'alice@acme.test', '--reason', 'no', '--sign-key', keyFile, '--issuer', ISSUER, '--group', 'finance']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('it is not signed by a key this worker trusts');

    await harness.client.deny(workflowId, { toolCallId: second, approver: 'alice@acme.test', reason: 'no', signature: await sign({ workflowId, toolCallId: second, decision: 'deny', reason: 'no' }) });
    expect((await handle.result()).status).toBe('completed');
    expect(refunds).toEqual(['A-1:20']);
  });

  it('refuses a signed signal it cannot verify, keeping the call waiting, and takes a verified one', async () => {
    refunds.length = 0;
    const { workflowId, handle, first, second } = await twoRefundsWaiting();
    await harness.client.approve(workflowId, { toolCallId: first, approver: 'alice@acme.test', signature: await sign({ workflowId, toolCallId: first, decision: 'approve' }, { privateKey: stranger.privateKey }) }, 'signal');
    await harness.client.approve(workflowId, { toolCallId: second, approver: 'alice@acme.test' }, 'signal');
    const state = await harness.client.status(workflowId);
    expect(state.pendingApprovals.map((call) => call.decision)).toEqual([undefined, undefined]);
    expect(state.timeline.filter((entry) => entry.event === 'rejected a decision signal').map((entry) => entry.detail)).toEqual([
      expect.stringContaining('it is not signed by a key this worker trusts'),
      expect.stringContaining('This run accepts only signed decisions'),
    ]);
    for (const toolCallId of [first, second]) {
      await harness.client.approve(workflowId, { toolCallId, approver: 'alice@acme.test', signature: await sign({ workflowId, toolCallId, decision: 'approve' }) }, 'signal');
    }
    expect((await handle.result()).toolCalls.map((call) => call.decision?.type)).toEqual(['approved', 'approved']);
    expect(refunds.sort()).toEqual(['A-1:20', 'B-2:900']);
  });

  it("reads the workers' trust from the environment, naming what is wrong", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-trust-'));
    const good = path.join(directory, 'acme.pub.pem');
    const notAKey = path.join(directory, 'notes.pem');
    fs.writeFileSync(good, trusted.publicPem);
    fs.writeFileSync(notAKey, 'hello');
    expect(await decisionTrustFromEnvironment({})).toBeUndefined();
    const trust = await decisionTrustFromEnvironment({ AGENTRUN_DECISION_PUBLIC_KEYS: good, AGENTRUN_DECISION_ISSUERS: ISSUER });
    expect(trust?.describe).toBe('AGENTRUN_DECISION_PUBLIC_KEYS (acme.pub.pem)');
    await expect(decisionTrustFromEnvironment({ AGENTRUN_DECISION_PUBLIC_KEYS: path.join(directory, 'missing.pem') })).rejects.toThrow(/^AGENTRUN_DECISION_PUBLIC_KEYS: cannot read .*missing\.pem \(ENOENT\)$/);
    await expect(decisionTrustFromEnvironment({ AGENTRUN_DECISION_PUBLIC_KEYS: notAKey })).rejects.toThrow(/^notes\.pem: not a public key in PEM/);
    await expect(decisionTrustFromEnvironment({ AGENTRUN_DECISION_PUBLIC_KEYS: good, AGENTRUN_DECISION_JWKS_URL: 'https://login.acme.test/jwks' })).rejects.toThrow('Set AGENTRUN_DECISION_PUBLIC_KEYS or AGENTRUN_DECISION_JWKS_URL, not both');
    // An issuer outside AGENTRUN_DECISION_ISSUERS is refused even with a trusted key.
    const content = { workflowId: 'wf', toolCallId: 'call_1', decision: 'approve' as const };
    const other = await signDecision(content, { privateKey: trusted.privateKey, issuer: 'https://elsewhere.test', subject: 'alice' });
    expect(await verifyDecision(other, content, trust)).toEqual({ valid: false, reason: "the signature's issuer is not one this worker accepts (AGENTRUN_DECISION_ISSUERS)" });
    expect(await verifyDecision(await sign(content), content, trust)).toMatchObject({ valid: true, approver: { subject: 'alice@acme.test' } });
  });

  it("trusts an identity provider's JWKS, fetched over HTTP", async () => {
    const jwk = { ...(await exportJWK(createPublicKey(trusted.publicPem))), alg: 'ES256', kid: 'acme-2026' };
    let fetched = 0;
    const server = createServer((_request, response) => {
      fetched += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const trust = await decisionTrustFromEnvironment({ AGENTRUN_DECISION_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` });
      const content = { workflowId: 'wf', toolCallId: 'call_1', decision: 'output' as const, output: '42' };
      // Signed under the key id the JWKS publishes.
      expect(await verifyDecision(await sign(content, { keyId: 'acme-2026' }), content, trust)).toMatchObject({ valid: true, approver: { subject: 'alice@acme.test', groups: ['finance'] } });
      expect(await verifyDecision(await sign(content, { privateKey: stranger.privateKey, keyId: 'acme-2026' }), content, trust)).toMatchObject({ valid: false, reason: expect.stringContaining('not signed by a key this worker trusts (AGENTRUN_DECISION_JWKS_URL') });
      expect(fetched).toBeGreaterThanOrEqual(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
