/**
 * The inbox's pages: server-rendered HTML with plain forms (they work without JavaScript), semantic
 * elements, a label for every field, and buttons in reading order so Tab reaches them. Everything
 * from a run (arguments, messages, reasons, ids) is escaped by `html`.
 */
import type { AgentRunState, ApprovalSettings, ConversationEntry, ToolCallDecision, ToolCallRecord } from '../shared/run-types';
import { truncateText } from '../shared/truncate';
import { displayName, type CallAccess, type InboxIdentity, type VisibleCall } from './inbox-access';
import { html, type SafeHtml } from './html';

/** What every page needs: where the inbox lives, who is signed in, the clock. */
export interface PageContext {
  /** The path prefix of every link (`/inbox` behind a proxy at https://host/inbox; '' at the root). */
  base: string;
  identity?: InboxIdentity;
  csrfToken?: string;
  now: number;
}

/** The decision verbs the forms send. */
export type DecisionVerb = 'approve' | 'deny' | 'output';

/** A decision that was not taken, shown again with what the person typed. */
export interface FailedDecision {
  toolCallId: string;
  verb: DecisionVerb;
  message: string;
  fields: { arguments?: string; reason?: string; output?: string };
}

/** The path of a run's page. */
export function runPath(base: string, workflowId: string): string {
  return `${base}/runs/${encodeURIComponent(workflowId)}`;
}

/** Where a call's decision forms post. */
export function decidePath(base: string, workflowId: string, toolCallId: string): string {
  return `${runPath(base, workflowId)}/calls/${encodeURIComponent(toolCallId)}/decide`;
}

/** A whole page. */
export function layout(context: PageContext, title: string, body: SafeHtml): string {
  const person = context.identity;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · agentrun approvals</title>
<link rel="stylesheet" href="${context.base}/assets/inbox.css">
<script src="${context.base}/assets/inbox.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="top">
  <a class="brand" href="${context.base}/">agentrun approvals</a>
  ${
    person
      ? html`<div class="who">
    <span>Signed in as <strong>${displayName(person)}</strong>${person.email && person.email !== displayName(person) ? html` (${person.email})` : ''}${person.groups.length ? html` · groups ${person.groups.join(', ')}` : ''}</span>
    <form method="post" action="${context.base}/logout"><input type="hidden" name="csrf" value="${context.csrfToken}"><button type="submit">Sign out</button></form>
  </div>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`.text;
}

/** The list of calls waiting for the signed-in person. */
export function listPage(context: PageContext, view: { calls: VisibleCall[]; unreadable: number; flash?: string }): string {
  const { calls } = view;
  const body = html`<h1>Waiting for you</h1>
${view.flash ? html`<p class="notice" role="status">${view.flash}</p>` : ''}
${
  calls.length
    ? html`<p>${calls.length === 1 ? 'One tool call waits' : `${calls.length} tool calls wait`} for a decision you may take. Open one to read its context and decide.</p>
<table>
  <caption class="hint">Tool calls waiting for a decision you may take</caption>
  <thead><tr><th scope="col">Tool call</th><th scope="col">Run</th><th scope="col">Requested by</th><th scope="col">Waits for</th><th scope="col">Provider run expires</th><th scope="col">Decide by</th></tr></thead>
  <tbody>
  ${calls.map(
    (entry) => html`<tr>
    <td><a href="${runPath(context.base, entry.workflowId)}#${encodeURIComponent(entry.call.toolCallId)}">${callTitle(entry.call)}</a><code class="arguments">${truncateText(compactArguments(entry.call.arguments), 120)}</code></td>
    <td><code>${entry.workflowId}</code></td>
    <td>${entry.state.requestedBy ?? html`<span class="muted">not said</span>`}</td>
    <td>${entry.call.waitingFor === 'output' ? 'an output' : 'approval'}${accessNote(entry.access)}</td>
    <td>${entry.state.expiresAt ? countdown(entry.state.expiresAt, context.now) : html`<span class="muted">does not expire</span>`}</td>
    <td>${entry.call.decideBy ? countdown(entry.call.decideBy, context.now) : html`<span class="muted">not reported</span>`}</td>
  </tr>`,
  )}
  </tbody>
</table>`
    : html`<p>Nothing waits for you right now.</p>`
}
${view.unreadable ? html`<p class="hint">${view.unreadable === 1 ? 'One run' : `${view.unreadable} runs`} waiting for a person could not be read (no worker answered its state query); they are not listed.</p>` : ''}
<p class="hint">This page shows the calls whose run names you, or one of your groups, among its approvers, and the calls of runs that name no approvers. Reload it to see new ones.</p>`;
  return layout(context, 'Waiting for you', body);
}

/** A run's page: its context, and a section with the decision forms for each call the person may decide. */
export function runPage(context: PageContext, view: { state: AgentRunState; calls: VisibleCall[]; failed?: FailedDecision }): string {
  const { state, calls, failed } = view;
  // A refusal for a call without a form here (decided meanwhile, or not this person's) goes on top.
  const unplaced = failed && !calls.some((entry) => entry.call.toolCallId === failed.toolCallId) ? failed : undefined;
  const body = html`<p><a href="${context.base}/">← All calls waiting for you</a></p>
<h1>Run <code>${state.workflowId}</code></h1>
${unplaced ? html`<p class="error" role="alert">Nothing was decided: ${unplaced.message}</p>` : ''}
${runFacts(state, context.now)}
<section aria-labelledby="conversation-heading">
  <h2 id="conversation-heading">Conversation so far</h2>
  ${conversation(state)}
</section>
${
  calls.length
    ? calls.map((entry, index) => callSection(context, entry, index, failed?.toolCallId === entry.call.toolCallId ? failed : undefined))
    : html`<p class="notice" role="status">Nothing in this run waits for a decision you may take (it is ${state.phase.replace(/_/g, ' ')}).</p>`
}`;
  return layout(context, `Run ${state.workflowId}`, body);
}

/** A page that only says something (an error, signed out), with one link onwards. */
export function messagePage(context: PageContext, view: { title: string; message: string; link?: { href: string; text: string } }): string {
  return layout(
    context,
    view.title,
    html`<h1>${view.title}</h1>
<p>${view.message}</p>
${view.link ? html`<p><a href="${view.link.href}">${view.link.text}</a></p>` : ''}`,
  );
}

function runFacts(state: AgentRunState, now: number): SafeHtml {
  const approval = state.approval;
  return html`<dl class="facts">
  <dt>Agent</dt><dd><code>${state.assistantId}</code></dd>
  <dt>Requested by</dt><dd>${state.requestedBy ?? html`<span class="muted">not said (the run's metadata has no requested_by)</span>`}</dd>
  <dt>Who may decide</dt><dd>${whoMayDecide(approval)}</dd>
  <dt>Provider run</dt><dd>${state.runId ? html`<code>${state.runId}</code> (${state.providerStatus ?? 'status unknown'})` : 'not started'}</dd>
  <dt>Expires</dt><dd>${expiry(state, now)}</dd>
  <dt>If no one decides</dt><dd>${approval ? html`after ${formatTimeout(approval.timeout)} (approval.timeout), ${onTimeoutText(approval.onTimeout)}` : html`<span class="muted">not reported by this worker</span>`}</dd>
</dl>`;
}

function whoMayDecide(approval: ApprovalSettings | undefined): SafeHtml {
  if (!approval) return html`<span class="muted">not reported by this run's worker (older than the inbox); the run checks when you decide</span>`;
  const signed = approval.requireSignedDecisions ? ' Only signed decisions count.' : '';
  if (!approval.approvers) return html`anyone signed in (the run names no approvers).${signed}`;
  return html`${approval.approvers.map((approver, index) => html`${index ? ', ' : ''}<code>${approver}</code>`)}.${signed}`;
}

function expiry(state: AgentRunState, now: number): SafeHtml {
  if (!state.expiresAt) return html`the provider did not say the run expires`;
  const then = !state.approval
    ? html`then what happens depends on the run's onExpired setting (not reported by this worker)`
    : state.approval.onExpired === 'fail'
      ? html`then a decision comes too late: the run fails (onExpired: fail)`
      : html`then a later decision still counts: the run continues with a new provider run that carries it (onExpired: continue)`;
  return html`${countdown(state.expiresAt, now)} (${formatTime(state.expiresAt)}); ${then}`;
}

function onTimeoutText(onTimeout: ApprovalSettings['onTimeout']): string {
  switch (onTimeout) {
    case 'deny':
      return 'the call is denied: the model reads that it was not approved (onTimeout: deny)';
    case 'cancel':
      return 'the run is cancelled at the provider (onTimeout: cancel)';
    case 'fail':
      return 'the run is cancelled and fails (onTimeout: fail)';
  }
}

function callSection(context: PageContext, entry: VisibleCall, index: number, failed: FailedDecision | undefined): SafeHtml {
  const { call, workflowId } = entry;
  const id = `call-${index}`;
  const action = decidePath(context.base, workflowId, call.toolCallId);
  const csrf = html`<input type="hidden" name="csrf" value="${context.csrfToken}">`;
  const editable = call.kind !== 'mcp_approval';
  const approveFailed = failed?.verb === 'approve' ? failed : undefined;
  const denyFailed = failed?.verb === 'deny' ? failed : undefined;
  const outputFailed = failed?.verb === 'output' ? failed : undefined;
  const approveForm =
    call.waitingFor === 'approval'
      ? html`<form class="decision" method="post" action="${action}">
    ${csrf}<input type="hidden" name="verb" value="approve">
    ${
      editable
        ? html`<label for="${id}-arguments">Arguments to run it with (JSON: edit them before approving if needed)</label>
    <textarea id="${id}-arguments" name="arguments" rows="${Math.min(16, prettyArguments(call.arguments).split('\n').length + 1)}" spellcheck="false" data-json-object aria-describedby="${id}-arguments-hint ${id}-approve-error"${approveFailed ? html` aria-invalid="true" autofocus` : ''}>${approveFailed?.fields.arguments ?? prettyArguments(call.arguments)}</textarea>
    <p class="hint" id="${id}-arguments-hint">An edit is checked against the tool's parameters when you approve; a wrong field is shown here, and nothing is decided until it is right.</p>`
        : html`<p class="hint" id="${id}-arguments-hint">An MCP server's tool call: approve or deny it as asked.</p>`
    }
    <p class="error" role="alert" id="${id}-approve-error" data-error${approveFailed ? '' : ' hidden'}>${approveFailed?.message}</p>
    <div class="actions"><button type="submit" class="primary">Approve</button></div>
  </form>`
      : '';
  const outputForm =
    call.waitingFor === 'output'
      ? html`<form class="decision" method="post" action="${action}">
    ${csrf}<input type="hidden" name="verb" value="output">
    <label for="${id}-output">Output: what the model reads as the tool's result</label>
    <textarea id="${id}-output" name="output" rows="5" required aria-describedby="${id}-output-error"${outputFailed ? ' autofocus' : ''}>${outputFailed?.fields.output}</textarea>
    <p class="error" role="alert" id="${id}-output-error"${outputFailed ? '' : ' hidden'}>${outputFailed?.message}</p>
    <div class="actions"><button type="submit" class="primary">Submit output</button></div>
  </form>`
      : '';
  const denyForm = html`<form class="decision" method="post" action="${action}">
    ${csrf}<input type="hidden" name="verb" value="deny">
    <label for="${id}-reason">Reason for denying (the model reads it)</label>
    <textarea id="${id}-reason" name="reason" rows="3" required aria-describedby="${id}-deny-error"${denyFailed ? ' autofocus' : ''}>${denyFailed?.fields.reason}</textarea>
    <p class="error" role="alert" id="${id}-deny-error"${denyFailed ? '' : ' hidden'}>${denyFailed?.message}</p>
    <div class="actions"><button type="submit" class="danger">Deny</button></div>
  </form>`;
  return html`<section class="call" id="${call.toolCallId}" aria-labelledby="${id}-heading">
  <h2 id="${id}-heading">${callTitle(call)} <span class="badge">${call.waitingFor === 'output' ? 'waits for an output' : 'waits for approval'}</span></h2>
  <p class="muted">Call <code>${call.toolCallId}</code>, round ${call.round}.${accessNote(entry.access)}
  ${call.decideBy ? html` Decide ${countdown(call.decideBy, context.now)} (by ${formatTime(call.decideBy)}).` : ''}</p>
  <h3>Arguments the model gave</h3>
  <pre>${prettyArguments(call.arguments)}</pre>
  <div class="columns">
    ${approveForm}${outputForm}
    ${denyForm}
  </div>
</section>`;
}

function conversation(state: AgentRunState): SafeHtml {
  const entries = state.conversation;
  if (!entries) return html`<p class="muted">This run's worker does not report the conversation (it is older than the inbox).</p>`;
  if (!entries.length) return html`<p class="muted">The run added no messages and has decided no calls yet.</p>`;
  return html`<ol class="conversation">${entries.map(conversationEntry)}</ol>`;
}

function conversationEntry(entry: ConversationEntry): SafeHtml {
  switch (entry.kind) {
    case 'user':
      return html`<li class="user"><span class="speaker">User</span><p>${entry.text}</p></li>`;
    case 'assistant':
      return html`<li class="assistant"><span class="speaker">Assistant</span><p>${entry.text}</p></li>`;
    case 'tool_call':
      return html`<li class="tool"><span class="speaker">Tool call ${callTitle(entry.call)} · ${decisionText(entry.call.decision)}</span>
<code>${truncateText(compactArguments(entry.call.arguments), 400)}</code>
${entry.call.output !== undefined ? html`<pre>${truncateText(entry.call.output, 1_000)}</pre>` : ''}</li>`;
  }
}

function decisionText(decision: ToolCallDecision | undefined): string {
  if (!decision) return 'not decided';
  const who = (entry: { approver: string; verified?: { subject: string; issuer: string } }) =>
    entry.verified ? `${entry.verified.subject} (signed, ${entry.verified.issuer})` : `${entry.approver} (unsigned)`;
  switch (decision.type) {
    case 'approved':
      return `approved by ${who(decision)}${decision.editedArguments ? ' with edited arguments' : ''}`;
    case 'denied':
      return `denied by ${who(decision)}: ${decision.reason}`;
    case 'output_supplied':
      return `output supplied by ${who(decision)}`;
    case 'timed_out':
      return 'no decision in time';
    case 'automatic':
      return 'ran by itself';
  }
}

function callTitle(call: ToolCallRecord): string {
  return call.kind === 'mcp_approval' ? `${call.serverLabel ?? 'mcp'}/${call.name} (MCP)` : call.name;
}

function accessNote(access: CallAccess): SafeHtml | string {
  if (access === 'anyone') return html` <span class="badge">open to anyone</span>`;
  if (access === 'unknown') return html` <span class="badge">approvers not reported</span>`;
  return '';
}

/** Arguments as indented JSON (or as they are, when they are not JSON). */
export function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function compactArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/** A `<time>` whose text says how long is left (kept current by the page's script). */
function countdown(iso: string, now: number): SafeHtml {
  return html`<time datetime="${iso}" data-countdown title="${formatTime(iso)}">${timeLeft(Date.parse(iso) - now)}</time>`;
}

/** `in 9 min 12 s`, `in 23 h 5 min`, `now (passed)`. */
export function timeLeft(ms: number): string {
  if (!(ms > 0)) return 'now (passed)';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h ${minutes % 60} min`;
  return `in ${Math.floor(hours / 24)} days`;
}

function formatTime(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function formatTimeout(timeout: string | number): string {
  return typeof timeout === 'number' ? `${timeout} ms` : timeout;
}
