/**
 * A signed decision's claims read without verifying them: what an update's validator (synchronous,
 * in the workflow sandbox, with no key and no crypto) can check before anything reaches history.
 * A decision whose claims name another run, call or verb, another audience, or a past expiry is
 * refused there; whether the signature is genuine is checked by the worker afterwards (see
 * src/decisions/signed-decisions.ts). Pure code: safe in workflows.
 */

/** The audience of every signed decision: a token for something else never decides a call. */
export const DECISION_AUDIENCE = 'agentrun-decision';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url to bytes (the sandbox has no `atob` or `Buffer`); undefined when it is not base64url. */
function base64UrlBytes(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE64URL.indexOf(char);
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

/** What a decision claims to decide, as its sender asks for it. */
export interface ClaimedDecision {
  workflowId: string;
  toolCallId: string;
  decision: string;
}

/** Why the `agentrun` claim of a decision's claims binds it to another run, call or verb, or undefined. */
export function bindingMismatch(claims: { agentrun?: unknown }, expected: ClaimedDecision): string | undefined {
  const bound = claims.agentrun as { workflowId?: unknown; toolCallId?: unknown; decision?: unknown } | undefined;
  if (!bound || typeof bound !== 'object') return 'the signed token carries no agentrun decision claim: it was not made to decide a tool call';
  if (bound.workflowId !== expected.workflowId || bound.toolCallId !== expected.toolCallId) {
    return `the signature is for tool call ${String(bound.toolCallId)} of run ${String(bound.workflowId)}, not ${expected.toolCallId} of ${expected.workflowId}`;
  }
  if (bound.decision !== expected.decision) return `the signature is for the decision "${String(bound.decision)}", not "${expected.decision}"`;
  return undefined;
}

/**
 * Why a signed decision cannot be for this decision, read from its unverified claims, or undefined
 * when it may be (the worker then verifies it). `nowMs` is workflow time.
 */
export function claimsMismatch(token: string, expected: ClaimedDecision, nowMs: number): string | undefined {
  const payload = token.split('.')[1];
  const bytes = payload === undefined ? undefined : base64UrlBytes(payload);
  let claims: { aud?: unknown; exp?: unknown; agentrun?: unknown };
  try {
    claims = JSON.parse(new TextDecoder().decode(bytes)) as typeof claims;
  } catch {
    return 'the signature is not a well-formed signed decision (a compact JWS)';
  }
  if (!claims || typeof claims !== 'object') return 'the signature is not a well-formed signed decision (a compact JWS)';
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(DECISION_AUDIENCE)) return `the signed token is not a decision (audience must be ${DECISION_AUDIENCE})`;
  const mismatch = bindingMismatch(claims, expected);
  if (mismatch) return mismatch;
  // The worker allows 30 s of clock difference; so does this.
  if (typeof claims.exp !== 'number' || claims.exp * 1000 + 30_000 < nowMs) return 'the signed decision has expired: sign it again';
  return undefined;
}
