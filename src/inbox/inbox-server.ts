/**
 * The approvals inbox: a web page where people sign in through the organisation's OpenID Connect
 * provider, see the tool calls waiting for them, read each call's context, and approve (optionally
 * with edited arguments), deny with a reason, or supply an output. Every decision is signed
 * (`signDecision`) as the signed-in person, with the inbox's key, so workers can verify who decided.
 *
 * Node's own http server and a small router: a handful of routes, server-rendered HTML, plain
 * forms. Behind a reverse proxy the public URL's path is the base of every link, the cookie's path
 * and the callback; requests may arrive with that path or with the proxy having stripped it.
 *
 * Protections: a session cookie (random id, HttpOnly, SameSite=Lax, Secure on https), a CSRF
 * token per session on every POST, the Origin of a POST checked against the public URL, a
 * Content-Security-Policy that allows no inline script or style and no framing, and escaping of
 * everything a run shows (model output is untrusted).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DecisionRejectedError } from '../client';
import { signDecision, canonicalJson } from '../decisions/signed-decisions';
import { readLimitedBody } from '../http/read-body';
import type { ApproveToolCallPayload, DenyToolCallPayload, SubmitToolOutputPayload } from '../shared/run-messages';
import type { AgentRunState } from '../shared/run-types';
import { visibleCalls, type InboxIdentity, type VisibleCall } from './inbox-access';
import { INBOX_CSS, INBOX_JS } from './inbox-assets';
import { LoginError, type InboxLogin } from './inbox-login';
import { listPage, messagePage, prettyArguments, runPage, type DecisionVerb, type FailedDecision, type PageContext } from './inbox-pages';
import { csrfMatches, SessionStore, type InboxSession } from './inbox-sessions';

/** A form body larger than this is refused (edited arguments and outputs are text, not files). */
const MAX_FORM_BYTES = 512 * 1024;
/** Runs whose state is read at once while listing. */
const STATE_READS_IN_PARALLEL = 8;
const SESSION_COOKIE = 'agentrun_inbox_session';
const LOGIN_COOKIE = 'agentrun_inbox_login';

/** What the inbox needs of Temporal: the runs waiting for a person, their state, and decisions. */
export interface InboxRuns {
  /** Ids of the runs waiting for a person (a visibility query). */
  listWaiting(): Promise<string[]>;
  /** A run's live state (the status query); throws when no worker answers. */
  status(workflowId: string): Promise<AgentRunState>;
  approve(workflowId: string, payload: ApproveToolCallPayload): Promise<unknown>;
  deny(workflowId: string, payload: DenyToolCallPayload): Promise<unknown>;
  submitOutput(workflowId: string, payload: SubmitToolOutputPayload): Promise<unknown>;
}

/** Options of {@link startInboxServer}. */
export interface InboxServerOptions {
  runs: InboxRuns;
  login: InboxLogin;
  /** The inbox's private key: every decision is signed with it (workers trust its public half). */
  signingKey: KeyObject;
  /** Where people reach the inbox (`https://approvals.acme.com/inbox`): links, cookie path, callback. */
  publicUrl: string;
  port: number;
  /** Default 127.0.0.1 (put the reverse proxy in front). */
  host?: string;
  /** One line per sign-in, decision and failure (never arguments, tokens or secrets). */
  log?: (line: string) => void;
}

/** A running inbox. */
export interface RunningInbox {
  /** Where it listens (`http://127.0.0.1:PORT`). */
  url: string;
  close(): Promise<void>;
}

/** The callback path under the public URL: register `<public URL>/callback` with the provider. */
export function callbackUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/callback`;
}

/** Starts the inbox; resolves once it listens. */
export async function startInboxServer(options: InboxServerOptions): Promise<RunningInbox> {
  const publicUrl = new URL(options.publicUrl);
  const base = publicUrl.pathname.replace(/\/+$/, '');
  const secure = publicUrl.protocol === 'https:';
  const sessions = new SessionStore();
  const log = options.log ?? (() => undefined);

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`approvals inbox: ${request.method} ${pathOnly(request.url)}: ${(error as Error).message}`);
      if (!response.headersSent) sendPage(response, 500, messagePage(pageContext(undefined), { title: 'Something went wrong', message: 'The inbox could not answer this request. Try again in a moment.' }));
      else response.end();
    });
  });

  function pageContext(session: InboxSession | undefined): PageContext {
    return { base, now: Date.now(), ...(session ? { identity: session.identity, csrfToken: session.csrfToken } : {}) };
  }

  function cookie(name: string, value: string, maxAgeSeconds: number): string {
    return `${name}=${value}; Path=${base || '/'}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://inbox');
    const route = routeOf(url.pathname, base);
    if (route === undefined) return sendPage(response, 400, messagePage(pageContext(undefined), { title: 'Bad address', message: 'This address is not one the inbox serves.' }));
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const cookies = parseCookies(request.headers.cookie);
    const session = sessions.session(cookies[SESSION_COOKIE]);
    const [first, second, third, fourth, fifth] = route;

    if (method === 'GET') {
      if (route.length === 1 && first === 'healthz') return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
      if (route.length === 2 && first === 'assets' && second === 'inbox.css') return send(response, 200, 'text/css; charset=utf-8', INBOX_CSS, true);
      if (route.length === 2 && first === 'assets' && second === 'inbox.js') return send(response, 200, 'text/javascript; charset=utf-8', INBOX_JS, true);
      if (route.length === 1 && first === 'login') return beginLogin(response, url.searchParams.get('return'));
      if (route.length === 1 && first === 'callback') return finishLogin(response, url, cookies[LOGIN_COOKIE]);
      if (route.length === 1 && first === 'signed-out') {
        return sendPage(response, 200, messagePage(pageContext(undefined), { title: 'Signed out', message: 'You are signed out of the approvals inbox.', link: { href: `${base}/login`, text: 'Sign in again' } }));
      }
      const page = route.length === 0 ? 'list' : route.length === 2 && first === 'runs' ? 'run' : undefined;
      if (!page) return sendPage(response, 404, messagePage(pageContext(session), { title: 'Not found', message: 'The inbox has no such page.', link: { href: `${base}/`, text: 'The calls waiting for you' } }));
      if (!session) return redirect(response, `${base}/login?return=${encodeURIComponent(url.pathname.startsWith(base) ? url.pathname : `${base}${url.pathname}`)}`);
      if (page === 'list') return showList(response, session);
      return showRun(response, session, second!);
    }

    if (method === 'POST') {
      // Every POST needs the session and its CSRF token, and comes from the inbox's own pages.
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== publicUrl.origin) return refuse(response, `this form came from ${origin}, not from the inbox (${publicUrl.origin})`);
      const body = await readLimitedBody(request, MAX_FORM_BYTES);
      if (body === undefined) return sendPage(response, 413, messagePage(pageContext(session), { title: 'Too large', message: `A form may send at most ${MAX_FORM_BYTES / 1024} KiB.` }));
      if (!session) return refuse(response, 'your session has ended (or the inbox restarted): sign in again, then decide');
      const form = new URLSearchParams(body);
      if (!csrfMatches(session, form.get('csrf'))) return refuse(response, 'the form did not carry this session’s token; reload the page and try again');
      if (route.length === 1 && first === 'logout') {
        sessions.endSession(session.id);
        response.setHeader('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
        return redirect(response, `${base}/signed-out`);
      }
      if (route.length === 5 && first === 'runs' && third === 'calls' && fifth === 'decide') return decide(response, session, second!, fourth!, form);
      return sendPage(response, 404, messagePage(pageContext(session), { title: 'Not found', message: 'The inbox takes no such form.' }));
    }

    response.setHeader('Allow', 'GET, HEAD, POST');
    return send(response, 405, 'text/plain; charset=utf-8', 'GET, HEAD or POST\n');
  }

  function refuse(response: ServerResponse, why: string): void {
    sendPage(response, 403, messagePage(pageContext(undefined), { title: 'Refused', message: `Nothing was decided: ${why}.`, link: { href: `${base}/`, text: 'The calls waiting for you' } }));
  }

  function beginLogin(response: ServerResponse, returnTo: string | null): void {
    const started = options.login.begin();
    const target = returnTo && isInboxPath(returnTo, base) ? returnTo : `${base}/`;
    const pending = sessions.beginLogin({ state: started.state, nonce: started.nonce, codeVerifier: started.codeVerifier, returnTo: target });
    response.setHeader('Set-Cookie', cookie(LOGIN_COOKIE, pending.id, 600));
    redirect(response, started.url);
  }

  async function finishLogin(response: ServerResponse, url: URL, loginId: string | undefined): Promise<void> {
    const pending = sessions.takeLogin(loginId);
    const again = { href: `${base}/login`, text: 'Sign in again' };
    if (!pending) return sendPage(response, 400, messagePage(pageContext(undefined), { title: 'Sign-in failed', message: 'This sign-in was not started here, or took longer than 10 minutes.', link: again }));
    if (url.searchParams.get('state') !== pending.state) {
      return sendPage(response, 400, messagePage(pageContext(undefined), { title: 'Sign-in failed', message: 'The provider answered for another sign-in (state mismatch).', link: again }));
    }
    let identity: InboxIdentity;
    try {
      identity = await options.login.finish(url.search.slice(1), pending);
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      log(`approvals inbox: a sign-in failed: ${error.message}`);
      return sendPage(response, 400, messagePage(pageContext(undefined), { title: 'Sign-in failed', message: `Sign-in failed: ${error.message}.`, link: again }));
    }
    const session = sessions.createSession(identity);
    log(`approvals inbox: ${identity.subject} signed in${identity.groups.length ? ` (groups ${identity.groups.join(', ')})` : ''}`);
    response.setHeader('Set-Cookie', [cookie(SESSION_COOKIE, session.id, Math.floor((session.expiresAt - Date.now()) / 1000)), cookie(LOGIN_COOKIE, '', 0)]);
    redirect(response, pending.returnTo);
  }

  /** The calls waiting for this person, across the runs waiting for anyone. */
  async function waitingFor(person: InboxIdentity): Promise<{ calls: VisibleCall[]; unreadable: number }> {
    const ids = await options.runs.listWaiting();
    const states = await mapInParallel(ids, STATE_READS_IN_PARALLEL, (id) => options.runs.status(id).catch(() => undefined));
    const readable = states.filter((state): state is AgentRunState => state !== undefined);
    return { calls: readable.flatMap((state) => visibleCalls(state, person)), unreadable: states.length - readable.length };
  }

  async function showList(response: ServerResponse, session: InboxSession): Promise<void> {
    const { calls, unreadable } = await waitingFor(session.identity);
    const flash = session.flash;
    session.flash = undefined;
    sendPage(response, 200, listPage(pageContext(session), { calls, unreadable, ...(flash ? { flash } : {}) }));
  }

  async function readState(workflowId: string): Promise<AgentRunState | undefined> {
    try {
      return await options.runs.status(workflowId);
    } catch (error) {
      log(`approvals inbox: cannot read the state of ${workflowId}: ${(error as Error).message}`);
      return undefined;
    }
  }

  async function showRun(response: ServerResponse, session: InboxSession, workflowId: string, failed?: FailedDecision): Promise<void> {
    const state = await readState(workflowId);
    if (!state) {
      return sendPage(
        response,
        404,
        messagePage(pageContext(session), { title: 'Run not found', message: `The run ${workflowId} cannot be read: it does not exist, or no worker answers for it right now.`, link: { href: `${base}/`, text: 'The calls waiting for you' } }),
      );
    }
    sendPage(response, failed ? 422 : 200, runPage(pageContext(session), { state, calls: visibleCalls(state, session.identity), ...(failed ? { failed } : {}) }));
  }

  async function decide(response: ServerResponse, session: InboxSession, workflowId: string, toolCallId: string, form: URLSearchParams): Promise<void> {
    const verb = form.get('verb') as DecisionVerb | null;
    if (verb !== 'approve' && verb !== 'deny' && verb !== 'output') return sendPage(response, 400, messagePage(pageContext(session), { title: 'Bad form', message: 'The form named no decision.' }));
    const fields = { arguments: form.get('arguments') ?? undefined, reason: form.get('reason') ?? undefined, output: form.get('output') ?? undefined };
    const failed = (message: string) => showRun(response, session, workflowId, { toolCallId, verb, message, fields });

    const state = await readState(workflowId);
    const call = state?.pendingApprovals.find((candidate) => candidate.toolCallId === toolCallId);
    if (!state || !call) return failed('This call no longer waits for a decision (someone decided it, or it timed out).');
    if (!visibleCalls(state, session.identity).some((entry) => entry.call.toolCallId === toolCallId)) return failed('This run does not let you decide its calls.');

    const person = session.identity;
    const signing = { privateKey: options.signingKey, issuer: options.login.issuer, subject: person.subject, groups: person.groups };
    const approver = person.subject;
    try {
      if (verb === 'approve') {
        const edited = editedArguments(fields.arguments, call.arguments);
        if (edited.problem) return failed(edited.problem);
        const content = { workflowId, toolCallId, decision: 'approve' as const, ...(edited.value ? { arguments: edited.value } : {}) };
        await options.runs.approve(workflowId, { toolCallId, approver, ...(edited.value ? { arguments: edited.value } : {}), signature: await signDecision(content, signing) });
        session.flash = `Approved ${call.name} (${toolCallId}) in run ${workflowId}${edited.value ? ' with your edited arguments' : ''}.`;
      } else if (verb === 'deny') {
        const reason = fields.reason?.trim();
        if (!reason) return failed('Say why you deny it: the model reads the reason.');
        await options.runs.deny(workflowId, { toolCallId, approver, reason, signature: await signDecision({ workflowId, toolCallId, decision: 'deny', reason }, signing) });
        session.flash = `Denied ${call.name} (${toolCallId}) in run ${workflowId}.`;
      } else {
        const output = fields.output ?? '';
        if (!output.trim()) return failed('Give the output the model should read.');
        await options.runs.submitOutput(workflowId, { toolCallId, approver, output, signature: await signDecision({ workflowId, toolCallId, decision: 'output', output }, signing) });
        session.flash = `Supplied the output of ${call.name} (${toolCallId}) in run ${workflowId}.`;
      }
    } catch (error) {
      if (!(error instanceof DecisionRejectedError)) throw error;
      log(`approvals inbox: ${approver}'s ${verb} of ${toolCallId} in ${workflowId} was refused: ${error.message}`);
      return failed(error.message);
    }
    log(`approvals inbox: ${approver} decided ${verb} on ${call.name} (${toolCallId}) in ${workflowId}`);
    redirect(response, `${base}/`);
  }

  function redirect(response: ServerResponse, location: string): void {
    response.writeHead(303, { Location: location, 'Cache-Control': 'no-store' }).end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The route's decoded path segments under the base (which the proxy may have stripped or kept);
 * undefined for a path that does not decode.
 */
export function routeOf(pathname: string, base: string): string[] | undefined {
  let path = pathname;
  if (base && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length);
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/**
 * Whether a path is one of the inbox's own, safe to send the person to after sign-in: never an open
 * redirect (`//evil.test`, and `/\evil.test`, which browsers read as `//`).
 */
export function isInboxPath(path: string, base: string): boolean {
  return path.startsWith(`${base}/`) && !path.startsWith('//') && !/[\\\s]/.test(path);
}

/**
 * The edited arguments to approve with: undefined when the text is the model's arguments unchanged
 * (an approval as asked), the parsed object when edited, or the problem when it is not a JSON object.
 */
export function editedArguments(text: string | undefined, original: string): { value?: Record<string, unknown>; problem?: string } {
  // Untouched (even when the model's arguments are not JSON, as the form shows them then).
  if (text === undefined || !text.trim() || text.trim() === original.trim() || text.trim() === prettyArguments(original).trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `The edited arguments are not valid JSON (${(error as Error).message}). Nothing was decided.` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'The edited arguments must be a JSON object ({ ... }). Nothing was decided.' };
  try {
    if (canonicalJson(JSON.parse(original)) === canonicalJson(value)) return {};
  } catch {
    // The model's arguments were not JSON: any JSON object is an edit.
  }
  return { value: value as Record<string, unknown> };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return cookies;
}

/** Headers every page carries: no inline code, no framing, no caching of what a run shows. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: with it Chromium sends "Origin: null" on a form's POST, which the Origin check refuses.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

function sendPage(response: ServerResponse, status: number, page: string): void {
  send(response, status, 'text/html; charset=utf-8', page);
}

function send(response: ServerResponse, status: number, type: string, body: string, cacheable = false): void {
  response.writeHead(status, { ...PAGE_HEADERS, 'Content-Type': type, 'Cache-Control': cacheable ? 'public, max-age=300' : 'no-store' }).end(body);
}

function pathOnly(url: string | undefined): string {
  return (url ?? '/').split('?')[0]!;
}

async function mapInParallel<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await map(items[index]!);
      }
    }),
  );
  return results;
}
