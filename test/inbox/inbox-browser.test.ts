/**
 * The approvals inbox in a real browser: headless Chromium (Debian's, provisioned by
 * scripts/provision-chromium.sh), driven by playwright-core, against a local OpenID Connect
 * provider (test/fixtures/oidc-provider.mjs), the inbox as a CLI process (`agentrun approvals`),
 * and a worker that trusts the inbox's key.
 *
 * Alice (group finance) signs in at the provider's login page, sees the one call whose run lets
 * finance decide and not the one waiting for bob, opens it with the keyboard, edits its arguments
 * into something the tool's schema refuses, sees the run's refusal while the call keeps waiting,
 * fixes the edit and approves with the keyboard; the run completes with alice, as the provider
 * vouched for her, as the verified approver.
 *
 * Screenshots go to a temporary folder (the test writes nothing into the repository);
 * `npm run screenshot:inbox` sets AGENTRUN_INBOX_SCREENSHOTS=docs/images to refresh the docs' ones.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { z } from 'zod';
import { trustPublicKeys } from '../../src/decisions/signed-decisions';
import { freePort } from '../../src/dev-server/free-port';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, waitingForApproval, type Harness } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { REPO_ROOT, requireBuiltCli, spawnCli, type CliProcess } from '../cli/cli-process';
import { OIDC_CLIENT_ID, startOidcProvider, type OidcFixture } from './oidc-fixture';

const CHROMIUM = '/usr/bin/chromium';
/**
 * Headless as root, and quiet: without the background-networking flags Chromium keeps trying to
 * reach Google's services, which a closed network refuses. playwright-core's launch() gives the
 * browser a fresh profile (its own temporary --user-data-dir) and removes it on close.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the approvals inbox in a browser', () => {
  const refunds: Array<{ order: string; amount: number }> = [];
  const screenshots = process.env.AGENTRUN_INBOX_SCREENSHOTS ? path.resolve(REPO_ROOT, process.env.AGENTRUN_INBOX_SCREENSHOTS) : fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-inbox-screens-'));
  let scratch: string;
  let provider: OidcFixture;
  let harness: Harness;
  let inbox: CliProcess;
  let browser: Browser;
  let publicUrl: string;

  beforeAll(async () => {
    requireBuiltCli();
    const provisioning = Date.now();
    const provisioned = await promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts', 'provision-chromium.sh')], { timeout: 170_000 });
    process.stdout.write(`${provisioned.stdout.trim()} (provisioning checked in ${Date.now() - provisioning} ms)\n`);

    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-inbox-'));
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = path.join(scratch, 'inbox.pem');
    fs.writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/inbox`;
    provider = await startOidcProvider([`${publicUrl}/callback`]);

    const refund = defineTool({
      name: 'refund_order',
      description: 'Refunds an order',
      parameters: z.object({ order: z.string().regex(/^[A-Z]-\d+$/), amount: z.number().positive().max(500) }),
      policy: 'approval',
      handler: async ({ order, amount }) => {
        refunds.push({ order, amount });
        return `refunded ${amount} on ${order}`;
      },
    });
    // The worker trusts the inbox's public key, for decisions vouched for by this provider only.
    const trust = await trustPublicKeys([{ pem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), source: 'inbox.pem' }], [provider.issuer]);
    harness = await startHarness('inbox-browser', { tools: [refund], decisionTrust: trust });

    inbox = spawnCli(
      ['approvals', '--port', String(port), '--public-url', publicUrl, '--issuer', provider.issuer, '--client-id', OIDC_CLIENT_ID, '--scope', 'openid email profile groups', '--task-queue', harness.temporal.taskQueue],
      { env: { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace(), AGENTRUN_INBOX_SIGNING_KEY: keyFile }, timeoutMs: 170_000 },
    );
    await inbox.waitForOutput(/agentrun approvals: http:\/\/127\.0\.0\.1:\d+ serving/);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (inbox && inbox.child.exitCode === null) {
      inbox.child.kill('SIGTERM');
      await inbox.exited;
    }
    await harness?.close();
    await provider?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    if (!process.env.AGENTRUN_INBOX_SCREENSHOTS) fs.rmSync(screenshots, { recursive: true, force: true });
  });

  /** A run on a new conversation whose model asks for one refund, for these approvers. */
  async function refundWaiting(order: string, amount: number, approvers: string[], requestedBy: string, message: string) {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'refund_order', arguments: { order, amount } }] }, { answer: `The refund of ${order} is handled.` }] }, 'Support agent');
    const { workflowId, handle } = await harness.client.start(
      harness.input(assistantId, {
        thread: { messages: [{ role: 'user', content: message }] },
        metadata: { requested_by: requestedBy },
        approval: { approvers, requireSignedDecisions: true, timeout: '4 hours', onTimeout: 'deny' },
      }),
    );
    const state = await waitingForApproval(harness.client, workflowId);
    return { workflowId, handle, toolCallId: state.pendingApprovals[0]!.toolCallId };
  }

  async function tabTo(page: Page, accessibleName: string, limit = 15): Promise<void> {
    for (let presses = 0; presses < limit; presses++) {
      await page.keyboard.press('Tab');
      const focused = (await page.locator(':focus').innerText()).trim();
      if (focused.startsWith(accessibleName)) return;
    }
    throw new Error(`Tab never reached "${accessibleName}" in ${limit} presses`);
  }

  it('alice signs in, sees only what waits for her, has a bad edit refused, then approves: the run records her as the verified approver', async () => {
    const forFinance = await refundWaiting('A-1001', 42.5, ['group:finance'], 'dana@acme.test', 'Order A-1001 arrived broken. Please refund it.');
    const forBob = await refundWaiting('B-2002', 18, ['bob'], 'erin@acme.test', 'Refund B-2002, the customer cancelled.');
    // The inbox lists from visibility, which follows the runs a moment later.
    await eventually(async () => {
      const waiting = await harness.client.listAwaitingApproval(100, { taskQueue: harness.temporal.taskQueue });
      return waiting.length === 2;
    }, 15_000, 'both runs in visibility');

    const context = await browser.newContext({ viewport: { width: 1180, height: 820 } });
    const page = await context.newPage();
    try {
      // Not signed in: the inbox sends alice to the provider's login page.
      await page.goto(`${publicUrl}/`);
      expect(page.url()).toContain(`${provider.issuer}/interaction/`);
      await page.fill('input[name="login"]', 'alice');
      await page.fill('input[name="password"]', 'correct horse');
      await page.click('button[type="submit"]');
      // The provider asks her to let the inbox read her e-mail, profile and groups.
      await page.click('button:has-text("Continue")');
      await page.waitForURL(`${publicUrl}/`);

      // The list: her call only.
      await expect(page.locator('h1').textContent()).resolves.toBe('Waiting for you');
      await expect(page.locator('header .who').innerText()).resolves.toContain('Signed in as Alice Archer (alice@acme.test) · groups finance');
      const rows = page.locator('tbody tr');
      await expect(rows.count()).resolves.toBe(1);
      const row = await rows.first().innerText();
      expect(row).toContain('refund_order');
      expect(row).toContain(forFinance.workflowId);
      expect(row).toContain('dana@acme.test');
      expect(await page.content()).not.toContain(forBob.workflowId);
      await page.screenshot({ path: path.join(screenshots, 'approvals-inbox-list.png') });

      // By keyboard: Tab to the call's link (focus visible), Enter.
      await tabTo(page, 'refund_order');
      // (Expressions as text: this file is type-checked without the DOM's types.)
      expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${publicUrl}/runs/${encodeURIComponent(forFinance.workflowId)}#${encodeURIComponent(forFinance.toolCallId)}`);
      const facts = await page.locator('dl.facts').innerText();
      expect(facts).toContain('group:finance');
      expect(facts).toContain('Only signed decisions count.');
      expect(facts).toMatch(/after 4 hours \(approval\.timeout\), the call is denied/);
      expect(await page.locator('ol.conversation').innerText()).toContain('Order A-1001 arrived broken. Please refund it.');
      await page.screenshot({ path: path.join(screenshots, 'approvals-inbox-call.png'), fullPage: true });

      // An edit the tool's schema refuses: the run's message on the page, the edit kept, nothing decided.
      const argumentsField = page.getByLabel('Arguments to run it with');
      await argumentsField.fill('{\n  "order": "A-1001",\n  "amount": -42.5\n}');
      await page.getByRole('button', { name: 'Approve' }).click();
      const refusal = page.getByRole('alert').filter({ hasText: 'do not match' });
      await expect(refusal.innerText()).resolves.toMatch(/Edited arguments for refund_order \(.+\) do not match its parameters \(amount: .*>0.*\)\. Fix them and approve again; the call still waits\./);
      await expect(argumentsField.inputValue()).resolves.toContain('"amount": -42.5');
      await expect(argumentsField.getAttribute('aria-invalid')).resolves.toBe('true');
      await page.screenshot({ path: path.join(screenshots, 'approvals-inbox-schema-error.png'), fullPage: true });
      const stillWaiting = await harness.client.status(forFinance.workflowId);
      expect(stillWaiting.pendingApprovals.map((call) => [call.toolCallId, call.decision])).toEqual([[forFinance.toolCallId, undefined]]);

      // Fixed, and approved by keyboard: the field has focus after the refusal; Tab reaches Approve.
      await expect(page.locator(':focus').getAttribute('id')).resolves.toBe(await argumentsField.getAttribute('id'));
      await argumentsField.fill('{\n  "order": "A-1001",\n  "amount": 40\n}');
      await argumentsField.focus();
      await page.keyboard.press('Tab');
      await expect(page.locator(':focus').innerText()).resolves.toBe('Approve');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${publicUrl}/`);
      await expect(page.getByRole('status').innerText()).resolves.toBe(`Approved refund_order (${forFinance.toolCallId}) in run ${forFinance.workflowId} with your edited arguments.`);
      await expect(page.locator('main').innerText()).resolves.toContain('Nothing waits for you right now.');
    } finally {
      await context.close();
    }

    const result = await forFinance.handle.result();
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]).toMatchObject({
      output: 'refunded 40 on A-1001',
      decision: { type: 'approved', approver: 'alice', editedArguments: '{"order":"A-1001","amount":40}', verified: { subject: 'alice', issuer: provider.issuer, groups: ['finance'] } },
    });
    expect(refunds).toEqual([{ order: 'A-1001', amount: 40 }]);
    // Bob's call still waits for him.
    expect((await harness.client.status(forBob.workflowId)).pendingApprovals).toHaveLength(1);
    await forBob.handle.terminate('test over');
    expect(inbox.output().stderr).toContain(`alice decided approve on refund_order (${forFinance.toolCallId}) in ${forFinance.workflowId}`);
  });
});
