/**
 * `agentrun approvals --port N --issuer URL --client-id ID --public-url URL`: serves the approvals
 * inbox (src/inbox), where people sign in through the organisation's OpenID Connect provider and
 * decide the tool calls waiting for them; each decision is signed with the inbox's key.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { DECISION_ISSUERS_VARIABLE, DECISION_PUBLIC_KEYS_VARIABLE, signDecision } from '../decisions/signed-decisions';
import { discoverOidcLogin } from '../inbox/inbox-login';
import { callbackUrl, startInboxServer, type InboxRuns } from '../inbox/inbox-server';
import { INBOX_URL_VARIABLE } from '../notifications/approval-notifications';
import type { AgentRunClient } from '../client';
import { CONNECTION_HELP, CommandError, ExitCode, connectClient, connectionOptionSpecs, listenForStop, parseCommandLine, portOption, printError, printLine, readRunState } from './command-support';

/** The OpenID provider's issuer URL, when `--issuer` is not given. */
export const INBOX_ISSUER_VARIABLE = 'AGENTRUN_INBOX_OIDC_ISSUER';
/** The inbox's client id at the provider, when `--client-id` is not given. */
export const INBOX_CLIENT_ID_VARIABLE = 'AGENTRUN_INBOX_OIDC_CLIENT_ID';
/** The client secret: from the environment only (a flag would show in `ps`). */
export const INBOX_CLIENT_SECRET_VARIABLE = 'AGENTRUN_INBOX_OIDC_CLIENT_SECRET';
/** The PEM file with the private key every decision is signed with (required). */
export const INBOX_SIGNING_KEY_VARIABLE = 'AGENTRUN_INBOX_SIGNING_KEY';

/** How many waiting runs one listing reads at most. */
const LISTING_LIMIT = 200;

const HELP = `usage: agentrun approvals --port N [--host HOST] --issuer URL --client-id ID --public-url URL
                          [--groups-claim NAME] [--subject-claim NAME] [--scope SCOPES] [--task-queue QUEUE]

Serves the approvals inbox: people sign in through your OpenID Connect provider (authorization
code with PKCE), see the tool calls waiting for them (the runs whose approval.approvers name them
or one of their groups, and runs that name no approvers), read each call's context, and approve
(optionally with edited arguments), deny with a reason, or supply an output. Every decision is
signed as the signed-in person with the inbox's key: workers must trust its public half
(${DECISION_PUBLIC_KEYS_VARIABLE}) to accept them.

  --port N              port to listen on
  --host HOST           interface (default 127.0.0.1; put your TLS reverse proxy in front)
  --issuer URL          the OpenID provider's issuer (discovery at URL/.well-known/openid-configuration);
                        default ${INBOX_ISSUER_VARIABLE}. https, or http on a loopback address
  --client-id ID        the inbox's client at the provider (default ${INBOX_CLIENT_ID_VARIABLE}); register
                        the redirect URI PUBLIC_URL/callback with it
  --public-url URL      where people reach the inbox, e.g. https://approvals.acme.com/inbox (default
                        ${INBOX_URL_VARIABLE}, the variable notifications link with): the callback, the
                        cookie's path and every link. The proxy may pass the path on or strip it
  --groups-claim NAME   the token claim with the person's groups (default groups)
  --subject-claim NAME  the claim decisions are signed with as subject, what approvers lists name
                        (default sub; email when your approvers lists name e-mail addresses)
  --scope SCOPES        scopes asked for (default "openid email profile"; add the scope your
                        provider gives groups under, e.g. "openid email profile groups")
  --task-queue QUEUE    list only the runs of this task queue (default: every queue of the namespace)
${CONNECTION_HELP}
  -h, --help            this text

Environment: ${INBOX_SIGNING_KEY_VARIABLE} (required: a PEM file with the inbox's private key, EC
P-256/P-384, Ed25519 or RSA), ${INBOX_CLIENT_SECRET_VARIABLE} (a confidential client's secret;
unset: a public client), TEMPORAL_ADDRESS and Temporal's other variables, AGENTRUN_ENCRYPTION_KEYS.
Sessions live in this process's memory (8 hours): run one inbox process; people sign in again after
it restarts.
`;

/** `agentrun approvals`. */
export async function approvalsCommand(argv: string[]): Promise<number | undefined> {
  const { values } = parseCommandLine('approvals', () =>
    parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        'public-url': { type: 'string' },
        'groups-claim': { type: 'string', default: 'groups' },
        'subject-claim': { type: 'string', default: 'sub' },
        scope: { type: 'string', default: 'openid email profile' },
        'task-queue': { type: 'string' },
        ...connectionOptionSpecs,
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  if (values.port === undefined) throw new CommandError('--port is required: the port the inbox listens on (your reverse proxy forwards to it).', ExitCode.usage);
  const port = portOption(values.port);
  const issuer = values.issuer ?? (process.env[INBOX_ISSUER_VARIABLE]?.trim() || undefined);
  if (!issuer) throw new CommandError(`--issuer is required (or ${INBOX_ISSUER_VARIABLE}): your OpenID Connect provider's issuer URL.`, ExitCode.usage);
  checkUrl('--issuer', issuer, { loopbackHttp: true });
  const clientId = values['client-id'] ?? (process.env[INBOX_CLIENT_ID_VARIABLE]?.trim() || undefined);
  if (!clientId) throw new CommandError(`--client-id is required (or ${INBOX_CLIENT_ID_VARIABLE}): the inbox's client id at your provider.`, ExitCode.usage);
  const publicUrl = values['public-url'] ?? (process.env[INBOX_URL_VARIABLE]?.trim() || undefined);
  if (!publicUrl) throw new CommandError(`--public-url is required (or ${INBOX_URL_VARIABLE}): where people reach the inbox, e.g. https://approvals.acme.com/inbox.`, ExitCode.usage);
  checkUrl('--public-url', publicUrl, { loopbackHttp: false });
  for (const flag of ['groups-claim', 'subject-claim', 'scope'] as const) {
    if (!values[flag].trim()) throw new CommandError(`--${flag} may not be empty.`, ExitCode.usage);
  }
  if (!values.scope.split(/\s+/).includes('openid')) throw new CommandError(`--scope "${values.scope}": OpenID Connect needs the openid scope.`, ExitCode.usage);
  const taskQueue = values['task-queue'];
  if (taskQueue !== undefined && (!taskQueue.trim() || /['"\\]/.test(taskQueue))) throw new CommandError(`--task-queue ${JSON.stringify(taskQueue)}: give a task queue name (no quotes or backslashes).`, ExitCode.usage);
  const signingKey = await readSigningKey();
  const clientSecret = process.env[INBOX_CLIENT_SECRET_VARIABLE]?.trim() || undefined;

  let login;
  try {
    login = await discoverOidcLogin({
      issuer,
      clientId,
      ...(clientSecret ? { clientSecret } : {}),
      redirectUri: callbackUrl(publicUrl),
      scope: values.scope,
      groupsClaim: values['groups-claim'],
      subjectClaim: values['subject-claim'],
    });
  } catch (error) {
    throw new CommandError(`cannot discover the OpenID provider at ${issuer} (${(error as Error).message}): check --issuer, and that ${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration answers.`);
  }
  const agentrun = await connectClient(values);
  const server = await startInboxServer({ runs: inboxRuns(agentrun, taskQueue), login, signingKey: signingKey.privateKey, publicUrl, port, host: values.host, log: (line) => printError(line) });
  printLine(
    `agentrun approvals: ${server.url} serving ${publicUrl} (sign-in: ${login.issuer}, client ${clientId}, ${clientSecret ? 'confidential' : 'public'}; ` +
      `callback ${callbackUrl(publicUrl)}; decisions signed as ${login.issuer} with key ${signingKey.keyId}; runs of ${taskQueue ? `task queue ${taskQueue}` : 'every task queue'})`,
  );
  printLine(`  workers accept its decisions with ${DECISION_PUBLIC_KEYS_VARIABLE}=<its public key: openssl pkey -in KEY -pubout> and, optionally, ${DECISION_ISSUERS_VARIABLE}=${login.issuer}`);
  const stop = listenForStop();
  await stop.stopped;
  stop.dispose();
  await server.close();
  await agentrun.close();
  return ExitCode.ok;
}

/** The inbox's view of Temporal, through the typed client; state reads bounded in time. */
function inboxRuns(agentrun: AgentRunClient, taskQueue: string | undefined): InboxRuns {
  return {
    listWaiting: async () => (await agentrun.listAwaitingApproval(LISTING_LIMIT, taskQueue !== undefined ? { taskQueue } : {})).map((listing) => listing.workflowId),
    status: (workflowId) => readRunState(agentrun, workflowId),
    approve: (workflowId, payload) => agentrun.approve(workflowId, payload),
    deny: (workflowId, payload) => agentrun.deny(workflowId, payload),
    submitOutput: (workflowId, payload) => agentrun.submitOutput(workflowId, payload),
  };
}

/** An http(s) URL; plain http only where allowed (a loopback issuer, as in tests). */
function checkUrl(flag: string, value: string, options: { loopbackHttp: boolean }): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CommandError(`${flag} ${value}: not a URL; give an absolute http(s) URL.`, ExitCode.usage);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CommandError(`${flag} ${value}: give an http(s) URL.`, ExitCode.usage);
  if (url.search || url.hash) throw new CommandError(`${flag} ${value}: give the URL without a query or fragment.`, ExitCode.usage);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (options.loopbackHttp && url.protocol === 'http:' && !loopback) throw new CommandError(`${flag} ${value}: the provider must be reached over https (plain http only on a loopback address).`, ExitCode.usage);
}

/** The inbox's private key from AGENTRUN_INBOX_SIGNING_KEY, checked by signing once. */
async function readSigningKey(): Promise<{ privateKey: KeyObject; keyId: string }> {
  const file = process.env[INBOX_SIGNING_KEY_VARIABLE]?.trim();
  if (!file) {
    throw new CommandError(
      `${INBOX_SIGNING_KEY_VARIABLE} is required: a PEM file with the inbox's private key, which signs every decision ` +
        '(e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out inbox.pem); workers trust its public half.',
      ExitCode.usage,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code && !code.startsWith('ERR_OSSL') ? code : 'not a private key in PEM';
    throw new CommandError(`${INBOX_SIGNING_KEY_VARIABLE}: cannot use ${file} (${why}).`, ExitCode.usage);
  }
  try {
    await signDecision({ workflowId: 'check', toolCallId: 'check', decision: 'approve' }, { privateKey, issuer: 'check', subject: 'check' });
  } catch (error) {
    throw new CommandError(`${INBOX_SIGNING_KEY_VARIABLE}: ${file} cannot sign decisions (${(error as Error).message}).`, ExitCode.usage);
  }
  return { privateKey, keyId: await calculateJwkThumbprint(await exportJWK(createPublicKey(privateKey))) };
}
