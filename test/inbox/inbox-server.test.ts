/**
 * The approvals inbox's server without a browser: what it refuses (no session, no CSRF token,
 * another origin, a bad edit), who sees what, escaping, the proxy's base path, what it signs; the
 * sign-in request it sends to a real OpenID provider (PKCE S256, state, nonce); and the CLI's
 * refusals of bad options. The runs and the sign-in are stand-ins here; the browser test
 * (inbox-browser.test.ts) runs the real ones.
 */
import { generateKeyPairSync } from 'node:crypto';
import { DecisionRejectedError } from '../../src/client';
import { trustPublicKeys, verifyDecision, type DecisionContent } from '../../src/decisions/signed-decisions';
import { freePort } from '../../src/dev-server/free-port';
import type { InboxIdentity } from '../../src/inbox/inbox-access';
import { discoverOidcLogin, type InboxLogin } from '../../src/inbox/inbox-login';
import { editedArguments, isInboxPath, routeOf, startInboxServer, type InboxRuns, type RunningInbox } from '../../src/inbox/inbox-server';
import type { AgentRunState, ToolCallRecord } from '../../src/shared/run-types';
import { requireBuiltCli, runCli } from '../cli/cli-process';
import { OIDC_CLIENT_ID, startOidcProvider } from './oidc-fixture';

const ISSUER = 'https://login.acme.test';
const PEOPLE: Record<string, InboxIdentity> = {
  alice: { subject: 'alice', email: 'alice@acme.test', name: 'Alice Archer', groups: ['finance'] },
  bob: { subject: 'bob', email: 'bob@acme.test', name: 'Bob Baker', groups: ['sales'] },
};

/** A sign-in stand-in: the provider "authenticates" whoever the callback's code names. */
function fakeLogin(): InboxLogin {
  let count = 0;
  return {
    issuer: ISSUER,
    begin() {
      count += 1;
      const state = `state-${count}`;
      return { url: `${ISSUER}/authorize?state=${state}`, state, nonce: `nonce-${count}`, codeVerifier: `verifier-${count}` };
    },
    async finish(query) {
      const person = PEOPLE[new URLSearchParams(query).get('code') ?? ''];
      if (!person) throw new Error('unknown person');
      return person;
    },
  };
}

function call(toolCallId: string, args: object, waitingFor: 'approval' | 'output' = 'approval'): ToolCallRecord {
  return { toolCallId, runId: 'run_1', round: 1, name: 'refund', arguments: JSON.stringify(args), policy: waitingFor === 'approval' ? 'approval' : 'external', waitingFor, decideBy: new Date(Date.now() + 3_600_000).toISOString() };
}

function state(workflowId: string, calls: ToolCallRecord[], approval: AgentRunState['approval']): AgentRunState {
  return {
    workflowId,
    phase: 'waiting_for_approval',
    assistantId: 'asst_1',
    threadId: 'thread_1',
    runId: 'run_1',
    runIds: ['run_1'],
    providerStatus: 'requires_action',
    expiresAt: new Date(Date.now() + 540_000).toISOString(),
    rounds: 1,
    pendingToolCalls: calls,
    pendingApprovals: calls,
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    timeline: [],
    ...(approval ? { approval } : {}),
    conversation: [{ kind: 'user', text: 'Refund order A-1 <b>now</b>' }],
    requestedBy: 'dana@acme.test',
  };
}

const approval = (approvers?: string[]) => ({ ...(approvers ? { approvers } : {}), timeout: '24 hours', onTimeout: 'deny' as const, onExpired: 'continue' as const });

describe('approvals inbox server', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const states = new Map<string, AgentRunState>();
  const decisions: Array<{ workflowId: string; verb: string; payload: Record<string, unknown> }> = [];
  let inbox: RunningInbox;
  let publicUrl: string;

  /** Decisions as the workflow takes them: the signature must verify for exactly what is sent; a negative amount is refused. */
  async function take(workflowId: string, verb: DecisionContent['decision'], payload: Record<string, unknown>): Promise<void> {
    const trust = await trustPublicKeys([{ pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), source: 'inbox.pem' }]);
    const content = { workflowId, toolCallId: payload.toolCallId as string, decision: verb, ...(payload.arguments ? { arguments: payload.arguments as Record<string, unknown> } : {}), ...(payload.reason ? { reason: payload.reason as string } : {}), ...(payload.output !== undefined ? { output: payload.output as string } : {}) };
    const verification = await verifyDecision(payload.signature as string, content, trust);
    if (!verification.valid) throw new DecisionRejectedError(verification.reason);
    if (((payload.arguments as { amount?: number } | undefined)?.amount ?? 0) < 0) throw new DecisionRejectedError('Edited arguments for refund (call_a) do not match its parameters (amount: Too small: expected number to be >0). Fix them and approve again; the call still waits.');
    decisions.push({ workflowId, verb, payload: { ...payload, verified: verification.approver } });
  }
  const runs: InboxRuns = {
    listWaiting: async () => [...states.keys()],
    status: async (workflowId) => {
      const found = states.get(workflowId);
      if (!found) throw new Error(`no workflow ${workflowId}`);
      return found;
    },
    approve: (workflowId, payload) => take(workflowId, 'approve', payload as never),
    deny: (workflowId, payload) => take(workflowId, 'deny', payload as never),
    submitOutput: (workflowId, payload) => take(workflowId, 'output', payload as never),
  };

  beforeAll(async () => {
    states.set('run-finance', state('run-finance', [call('call_a', { order: 'A-1', amount: 20, note: '<script>alert(1)</script>' })], approval(['group:finance'])));
    states.set('run-bob', state('run-bob', [call('call_b', { order: 'B-2', amount: 5 })], approval(['bob'])));
    states.set('run-open', state('run-open', [call('call_c', { order: 'C-3' }, 'output')], approval()));
    states.set('run-old-worker', state('run-old-worker', [call('call_d', { order: 'D-4', amount: 1 })], undefined));
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/inbox`;
    inbox = await startInboxServer({ runs, login: fakeLogin(), signingKey: privateKey, publicUrl, port });
  });
  afterAll(async () => inbox?.close());

  const get = (path: string, cookie?: string) => fetch(`${inbox.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const post = (path: string, form: Record<string, string>, cookie?: string, origin?: string) =>
    fetch(`${inbox.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) },
      body: new URLSearchParams(form).toString(),
    });

  /** Signs in as one of PEOPLE through the stand-in provider; returns the session cookie and the page's CSRF token. */
  async function signIn(who: string): Promise<{ cookie: string; csrf: string }> {
    const start = await get('/inbox/runs/run-finance');
    expect(start.status).toBe(303);
    expect(start.headers.get('location')).toBe('/inbox/login?return=%2Finbox%2Fruns%2Frun-finance');
    const login = await get(start.headers.get('location')!);
    expect(login.status).toBe(303);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const loginCookie = login.headers.get('set-cookie')!;
    expect(loginCookie).toMatch(/^agentrun_inbox_login=[\w-]{43}; Path=\/inbox; HttpOnly; SameSite=Lax; Max-Age=600$/);
    const callback = await get(`/inbox/callback?code=${who}&state=${state}`, loginCookie.split(';')[0]);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/inbox/runs/run-finance');
    const session = callback.headers.getSetCookie().find((line) => line.startsWith('agentrun_inbox_session='))!;
    expect(session).toMatch(/; Path=\/inbox; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const cookie = session.split(';')[0]!;
    const page = await (await get('/inbox/', cookie)).text();
    return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page)![1]! };
  }

  it('sends a person without a session to sign in, and refuses a callback it did not start', async () => {
    for (const path of ['/inbox/', '/inbox/runs/run-finance', '/runs/run-finance']) {
      const response = await get(path);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/inbox\/login\?return=/);
    }
    const forged = await get('/inbox/callback?code=alice&state=state-1');
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('This sign-in was not started here');
    // Static files and the health check need no session.
    expect((await get('/inbox/assets/inbox.css')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('lists only what waits for the person, escaped; serves the base path kept or stripped by the proxy', async () => {
    const { cookie } = await signIn('alice');
    const response = await get('/inbox/', cookie);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await response.text();
    expect(page).toContain('/inbox/runs/run-finance#call_a');
    expect(page).toContain('/inbox/runs/run-open#call_c'); // no approvers: anyone signed in
    expect(page).toContain('/inbox/runs/run-old-worker#call_d'); // an older worker: the run checks
    expect(page).not.toContain('run-bob');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert');
    // The proxy stripped /inbox: the same page, links still under /inbox.
    const stripped = await (await get('/runs/run-finance', cookie)).text();
    expect(stripped).toContain('action="/inbox/runs/run-finance/calls/call_a/decide"');
    expect(stripped).toContain('Refund order A-1 &lt;b&gt;now&lt;/b&gt;');
    expect(stripped).toContain('a later decision still counts');
    // Bob's run is not for alice, even by its address.
    expect(await (await get('/inbox/runs/run-bob', cookie)).text()).toContain('Nothing in this run waits for a decision you may take');
  });

  it('refuses a POST without the session, its CSRF token, or from another origin, and decides nothing', async () => {
    const { cookie, csrf } = await signIn('alice');
    const decide = '/inbox/runs/run-finance/calls/call_a/decide';
    const refusals = [
      await post(decide, { verb: 'approve' }, cookie),
      await post(decide, { verb: 'approve', csrf: 'x'.repeat(csrf.length) }, cookie),
      await post(decide, { verb: 'approve', csrf }),
      await post(decide, { verb: 'approve', csrf }, cookie, 'https://evil.test'),
      await post('/inbox/logout', {}, cookie),
    ];
    expect(refusals.map((response) => response.status)).toEqual([403, 403, 403, 403, 403]);
    expect(await refusals[0]!.text()).toContain('Nothing was decided: the form did not carry this session’s token');
    expect(decisions).toEqual([]);
  });

  it("signs each decision as the person; shows the run's refusal with the form still filled in", async () => {
    const { cookie, csrf } = await signIn('alice');
    const decide = '/inbox/runs/run-finance/calls/call_a/decide';
    // Not a JSON object: refused by the inbox itself, never sent.
    const notObject = await post(decide, { verb: 'approve', csrf, arguments: '[1, 2]' }, cookie, new URL(publicUrl).origin);
    expect(notObject.status).toBe(422);
    expect(await notObject.text()).toContain('The edited arguments must be a JSON object');
    // Refused by the run (its schema): the message, and the person's edit kept in the form.
    const bad = await post(decide, { verb: 'approve', csrf, arguments: '{"order": "A-1", "amount": -5}' }, cookie);
    expect(bad.status).toBe(422);
    const badPage = await bad.text();
    expect(badPage).toContain('amount: Too small: expected number to be &gt;0');
    expect(badPage).toContain('{&quot;order&quot;: &quot;A-1&quot;, &quot;amount&quot;: -5}</textarea>');
    expect(decisions).toEqual([]);

    const good = await post(decide, { verb: 'approve', csrf, arguments: '{"order": "A-1", "amount": 15}' }, cookie);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/inbox/');
    expect(await (await get('/inbox/', cookie)).text()).toContain('Approved refund (call_a) in run run-finance with your edited arguments.');
    const denial = await post('/inbox/runs/run-open/calls/call_c/decide', { verb: 'deny', csrf, reason: '  ' }, cookie);
    expect(await denial.text()).toContain('Say why you deny it');
    expect((await post('/inbox/runs/run-open/calls/call_c/decide', { verb: 'output', csrf, output: 'customer C-3: gold' }, cookie)).status).toBe(303);
    expect(decisions.map(({ workflowId, verb, payload }) => [workflowId, verb, payload.approver, payload.arguments ?? payload.output, (payload.verified as { subject: string; groups: string[]; issuer: string }).groups])).toEqual([
      ['run-finance', 'approve', 'alice', { order: 'A-1', amount: 15 }, ['finance']],
      ['run-open', 'output', 'alice', 'customer C-3: gold', ['finance']],
    ]);
    expect(decisions[0]!.payload.verified).toMatchObject({ subject: 'alice', issuer: ISSUER });
    // Bob cannot decide alice's run, even by posting to it.
    const bob = await signIn('bob');
    const refused = await post('/inbox/runs/run-finance/calls/call_a/decide', { verb: 'approve', csrf: bob.csrf }, bob.cookie);
    expect(await refused.text()).toContain('This run does not let you decide its calls.');
    expect(decisions).toHaveLength(2);
  });

  it('takes an unchanged edit as an approval as asked, and reads paths under the base either way', () => {
    expect(editedArguments('{\n  "amount": 20,\n  "order": "A-1"\n}', '{"order":"A-1","amount":20}')).toEqual({});
    expect(editedArguments('{"order":"A-1","amount":21}', '{"order":"A-1","amount":20}')).toEqual({ value: { order: 'A-1', amount: 21 } });
    // The model's arguments were not JSON: approving them as shown is no edit.
    expect(editedArguments('{"order": A-1}', '{"order": A-1}')).toEqual({});
    expect(isInboxPath('/inbox/runs/x', '/inbox')).toBe(true);
    for (const elsewhere of ['//evil.test/', '/\\evil.test/', 'https://evil.test/', '/other/']) expect(isInboxPath(elsewhere, '/inbox')).toBe(false);
    expect(isInboxPath('/\\evil.test', '')).toBe(false);
    expect(routeOf('/inbox/runs/a%2Fb', '/inbox')).toEqual(['runs', 'a/b']);
    expect(routeOf('/runs/a%2Fb', '/inbox')).toEqual(['runs', 'a/b']);
    expect(routeOf('/runs/%E0%A4%A', '')).toBeUndefined();
  });
});

describe('the inbox sign-in at a real OpenID provider', () => {
  it('asks for the authorization code with PKCE (S256), state and nonce, and the provider takes the request', async () => {
    const redirectUri = 'http://127.0.0.1:9/inbox/callback';
    const provider = await startOidcProvider([redirectUri]);
    try {
      const login = await discoverOidcLogin({ issuer: provider.issuer, clientId: OIDC_CLIENT_ID, redirectUri, scope: 'openid email profile groups' });
      expect(login.issuer).toBe(provider.issuer);
      const started = login.begin();
      const url = new URL(started.url);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        client_id: OIDC_CLIENT_ID,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid email profile groups',
        code_challenge_method: 'S256',
        state: started.state,
        nonce: started.nonce,
      });
      expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      // The provider accepts it: on to its login page, not an error back to the inbox.
      const answer = await fetch(started.url, { redirect: 'manual' });
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toMatch(/^\/interaction\//);
      // Without PKCE the provider refuses (the client is public: PKCE is required).
      url.searchParams.delete('code_challenge');
      url.searchParams.delete('code_challenge_method');
      const refused = await fetch(url, { redirect: 'manual' });
      expect(refused.headers.get('location')).toContain('error=invalid_request');
    } finally {
      await provider.stop();
    }
  });
});

describe('agentrun approvals: bad options', () => {
  beforeAll(() => requireBuiltCli());

  it('exits 2 naming the flag or variable', async () => {
    const ok = { AGENTRUN_INBOX_SIGNING_KEY: '/nonexistent/inbox.pem' };
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['approvals'], {}, /--port is required/],
      [['approvals', '--port', 'eighty'], {}, /--port eighty: give a port number/],
      [['approvals', '--port', '0'], {}, /--issuer is required \(or AGENTRUN_INBOX_OIDC_ISSUER\)/],
      [['approvals', '--port', '0', '--issuer', 'http://login.acme.test'], {}, /--issuer http:\/\/login.acme.test: the provider must be reached over https/],
      [['approvals', '--port', '0', '--issuer', 'https://login.acme.test'], {}, /--client-id is required/],
      [['approvals', '--port', '0', '--issuer', 'https://login.acme.test', '--client-id', 'inbox'], {}, /--public-url is required \(or AGENTRUN_INBOX_URL\)/],
      [['approvals', '--port', '0', '--issuer', 'https://login.acme.test', '--client-id', 'inbox', '--public-url', 'approvals.acme.test'], {}, /--public-url approvals.acme.test: not a URL/],
      [['approvals', '--port', '0', '--issuer', 'https://login.acme.test', '--client-id', 'inbox', '--public-url', 'https://approvals.acme.test'], {}, /AGENTRUN_INBOX_SIGNING_KEY is required/],
      [['approvals', '--port', '0', '--issuer', 'https://login.acme.test', '--client-id', 'inbox', '--public-url', 'https://approvals.acme.test'], ok, /AGENTRUN_INBOX_SIGNING_KEY: cannot use \/nonexistent\/inbox.pem \(ENOENT\)/],
      [['approvals', '--port', '0', '--client-secret', 'hunter2'], {}, /Unknown option '--client-secret'. See "agentrun approvals --help"/],
    ];
    for (const [args, env, expected] of cases) {
      const result = await runCli(args, { env });
      expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 2, stderr: expect.stringMatching(expected) });
    }
    const help = await runCli(['approvals', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('usage: agentrun approvals --port N');
  });
});
