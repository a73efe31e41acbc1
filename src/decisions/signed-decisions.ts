/**
 * Signed decisions: a person's approval, denial or supplied output, proven by a key the
 * organisation controls rather than claimed by name.
 *
 * A signed decision is a JWT (a compact JWS, `jose` does the cryptography) whose claims bind it to
 * exactly one decision:
 * - `sub` the approver's identity, `iss` who vouches for it, `groups` (optional) their groups;
 * - `aud` `agentrun-decision`, `iat`/`exp` when it was signed and until when it counts, `jti` its id;
 * - `agentrun`: the workflow id, the tool call id, the decision (`approve`, `deny`, `output`) and
 *   `digest`, the SHA-256 of what it decides (edited arguments, output, reason; see `decisionDigest`).
 *
 * The worker verifies it (a local activity: keys never enter workflow code or history) against the
 * public keys it is configured with: PEM files (`AGENTRUN_DECISION_PUBLIC_KEYS`) or a JWKS URL
 * (`AGENTRUN_DECISION_JWKS_URL`). A copy read from history decides nothing else: it names its call,
 * its content and its expiry, and the run accepts each `jti` once.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bindingMismatch, DECISION_AUDIENCE } from '../shared/decision-claims';
import type { VerifiedApprover } from '../shared/run-types';
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, errors, exportJWK, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';

export { DECISION_AUDIENCE };
export const DECISION_PUBLIC_KEYS_VARIABLE = 'AGENTRUN_DECISION_PUBLIC_KEYS';
export const DECISION_JWKS_URL_VARIABLE = 'AGENTRUN_DECISION_JWKS_URL';
export const DECISION_ISSUERS_VARIABLE = 'AGENTRUN_DECISION_ISSUERS';
/** A signed decision older than this is refused whatever its `exp` says. */
const MAX_LIFETIME_S = 24 * 60 * 60;
/** Clocks of signer and worker may differ this much. */
const CLOCK_TOLERANCE_S = 30;

/** What one decision decides: what the signature covers. */
export interface DecisionContent {
  workflowId: string;
  toolCallId: string;
  decision: 'approve' | 'deny' | 'output';
  /** Edited arguments of an approval (a JSON object, or its text). */
  arguments?: string | Record<string, unknown>;
  output?: string;
  reason?: string;
}

export type { VerifiedApprover };

/** JSON with object keys sorted, so that equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * SHA-256 (base64url) of what a decision decides beyond its call and verb: the edited arguments (as
 * a JSON value: text and object forms of the same arguments digest the same), the output, the reason.
 */
export function decisionDigest(content: Pick<DecisionContent, 'arguments' | 'output' | 'reason'>): string {
  let editedArguments: unknown = null;
  if (content.arguments !== undefined) {
    try {
      editedArguments = typeof content.arguments === 'string' ? JSON.parse(content.arguments) : content.arguments;
    } catch {
      editedArguments = { unparsable: content.arguments };
    }
  }
  return createHash('sha256')
    .update(canonicalJson({ arguments: editedArguments, output: content.output ?? null, reason: content.reason ?? null }))
    .digest('base64url');
}

/** How to sign: the organisation's private key and the identity it vouches for. */
export interface SignDecisionOptions {
  /** A private key: a `KeyObject`, or PEM text (PKCS#8; EC P-256/P-384, Ed25519 or RSA). */
  privateKey: KeyObject | string;
  /** Who vouches for the identity (your login's issuer, or your service's name). */
  issuer: string;
  /** The approver's verified identity (a user id or e-mail from your login). */
  subject: string;
  groups?: string[];
  /** How long the signature counts (default 10 minutes; at most 24 hours). */
  expiresInSeconds?: number;
  /** The key's id (`kid`) where workers find it in a JWKS; default its RFC 7638 thumbprint, as PEM-configured workers name it. */
  keyId?: string;
}

/** The JWS algorithm of a key. */
function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'rsa':
      return 'RS256';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ES256';
      if (curve === 'secp384r1') return 'ES384';
      throw new Error(`EC keys on curve ${curve ?? '(unknown)'} are not supported: use P-256, P-384, Ed25519 or RSA`);
    }
    default:
      throw new Error(`${key.asymmetricKeyType ?? 'this'} keys are not supported: use EC P-256, P-384, Ed25519 or RSA`);
  }
}

/** The key id both sides derive from the public key (RFC 7638 thumbprint): no naming to agree on. */
async function keyIdOf(publicKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(publicKey));
}

/** Signs one decision (for services with their own login, the approvals inbox and `agentrun approve --sign-key`). */
export async function signDecision(content: DecisionContent, options: SignDecisionOptions): Promise<string> {
  const privateKey = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const expiresIn = Math.min(options.expiresInSeconds ?? 600, MAX_LIFETIME_S);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    ...(options.groups?.length ? { groups: options.groups } : {}),
    agentrun: { workflowId: content.workflowId, toolCallId: content.toolCallId, decision: content.decision, digest: decisionDigest(content) },
  })
    .setProtectedHeader({ alg: algorithmOf(privateKey), kid: options.keyId ?? (await keyIdOf(createPublicKey(privateKey))), typ: 'agentrun-decision+jwt' })
    .setIssuer(options.issuer)
    .setSubject(options.subject)
    .setAudience(DECISION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID())
    .sign(privateKey);
}

/** The keys a worker trusts, and the issuers it accepts (any, when none are listed). */
export interface DecisionTrust {
  keys: JWTVerifyGetKey;
  issuers?: string[];
  /** For messages: where the keys come from. */
  describe: string;
}

/** Trust in public keys given as PEM text (files read by the caller). */
export async function trustPublicKeys(pems: ReadonlyArray<{ pem: string; source: string }>, issuers?: string[]): Promise<DecisionTrust> {
  const keys = await Promise.all(
    pems.map(async ({ pem, source }) => {
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
      } catch (error) {
        throw new Error(`${source}: not a public key in PEM (${(error as Error).message}); give the public half (openssl pkey -in private.pem -pubout)`);
      }
      return { ...(await exportJWK(key)), kid: await keyIdOf(key), alg: algorithmOf(key) };
    }),
  );
  return { keys: createLocalJWKSet({ keys }), ...(issuers?.length ? { issuers } : {}), describe: `${DECISION_PUBLIC_KEYS_VARIABLE} (${pems.map((pem) => pem.source).join(', ')})` };
}

/** Trust in the keys an identity provider publishes (fetched and cached by `jose`). */
export function trustJwks(url: string, issuers?: string[]): DecisionTrust {
  return { keys: createRemoteJWKSet(new URL(url)), ...(issuers?.length ? { issuers } : {}), describe: `${DECISION_JWKS_URL_VARIABLE} (${url})` };
}

/** The worker's trust from its environment, or undefined when it trusts no decision keys. */
export async function decisionTrustFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<DecisionTrust | undefined> {
  const issuers = env[DECISION_ISSUERS_VARIABLE]?.split(',').map((issuer) => issuer.trim()).filter(Boolean);
  const files = env[DECISION_PUBLIC_KEYS_VARIABLE]?.split(',').map((file) => file.trim()).filter(Boolean) ?? [];
  const jwksUrl = env[DECISION_JWKS_URL_VARIABLE]?.trim();
  if (files.length && jwksUrl) throw new Error(`Set ${DECISION_PUBLIC_KEYS_VARIABLE} or ${DECISION_JWKS_URL_VARIABLE}, not both`);
  if (jwksUrl) {
    if (!/^https?:\/\//.test(jwksUrl)) throw new Error(`${DECISION_JWKS_URL_VARIABLE} must be an http(s) URL, got "${jwksUrl}"`);
    return trustJwks(jwksUrl, issuers);
  }
  if (!files.length) return undefined;
  const pems = files.map((file) => {
    try {
      return { pem: fs.readFileSync(file, 'utf8'), source: path.basename(file) };
    } catch (error) {
      throw new Error(`${DECISION_PUBLIC_KEYS_VARIABLE}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  });
  return trustPublicKeys(pems, issuers);
}

/** The answer of a verification: who decided, or why the decision counts for nothing. */
export type DecisionVerification = { valid: true; approver: VerifiedApprover } | { valid: false; reason: string };

/**
 * Verifies a signed decision against `content` (what the sender asks for) and the worker's trust.
 * Never throws for a bad signature: it says why. Throws only when the keys cannot be had (a JWKS
 * fetch failing): the local activity retries that.
 */
export async function verifyDecision(token: string, content: DecisionContent, trust: DecisionTrust | undefined): Promise<DecisionVerification> {
  if (!trust) {
    return { valid: false, reason: `this worker trusts no decision keys: set ${DECISION_PUBLIC_KEYS_VARIABLE} (PEM files) or ${DECISION_JWKS_URL_VARIABLE} on the workers` };
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, trust.keys, {
      audience: DECISION_AUDIENCE,
      ...(trust.issuers ? { issuer: trust.issuers } : {}),
      requiredClaims: ['iss', 'sub', 'iat', 'exp', 'jti'],
      maxTokenAge: MAX_LIFETIME_S,
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (error) {
    return { valid: false, reason: explainVerificationError(error, trust) };
  }
  const mismatch = bindingMismatch(payload, content);
  if (mismatch) return { valid: false, reason: mismatch };
  if ((payload.agentrun as { digest?: unknown }).digest !== decisionDigest(content)) {
    return { valid: false, reason: 'the signature is for other content: the edited arguments, the output or the reason differ from what was signed' };
  }
  const groups = Array.isArray(payload.groups) ? payload.groups.filter((group): group is string => typeof group === 'string') : undefined;
  return {
    valid: true,
    approver: {
      subject: String(payload.sub),
      issuer: String(payload.iss),
      ...(groups?.length ? { groups } : {}),
      signedAt: new Date(Number(payload.iat) * 1000).toISOString(),
      expiresAt: new Date(Number(payload.exp) * 1000).toISOString(),
      signatureId: String(payload.jti),
    },
  };
}

function explainVerificationError(error: unknown, trust: DecisionTrust): string {
  if (error instanceof errors.JWTExpired) return 'the signed decision has expired: sign it again';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `the signed token is not a decision (audience must be ${DECISION_AUDIENCE})`;
    if (error.claim === 'iss') return `the signature's issuer is not one this worker accepts (${DECISION_ISSUERS_VARIABLE})`;
    if (error.claim === 'iat') return 'the signed decision is too old, or dated in the future: sign it again';
    return `the signed decision's ${error.claim} claim is wrong (${error.reason})`;
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) return `it is not signed by a key this worker trusts (${trust.describe})`;
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the signature is not a well-formed signed decision (a compact JWS)';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return `its algorithm is not accepted (${(error as Error).message})`;
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) throw error; // the keys could not be had: retried
  if (error instanceof TypeError || (error as { code?: string }).code === 'ERR_JOSE_GENERIC') throw error;
  return `the signature does not verify (${(error as Error).message})`;
}
