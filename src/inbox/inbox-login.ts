/**
 * Sign-in through the organisation's OpenID Connect provider: the authorization code flow with
 * PKCE (S256), `state` and `nonce`, by `openid-client` (panva's certified relying party library;
 * its 5.x line, since 6.x ships only ES modules). The provider is found by discovery from its
 * issuer URL; the client is confidential when a secret is configured, public otherwise.
 *
 * The identity is what the provider vouches for: the ID token's claims (verified by openid-client:
 * signature, issuer, audience, expiry, nonce), completed from the userinfo endpoint when the token
 * lacks the e-mail or the groups claim (many providers put groups only there).
 */
import { generators, Issuer, type Client } from 'openid-client';
import type { InboxIdentity } from './inbox-access';

/** How the inbox signs people in; the OpenID implementation below, or a stand-in in tests. */
export interface InboxLogin {
  /** The provider's issuer identifier (from discovery): what decisions are signed as vouched for by. */
  readonly issuer: string;
  /** A new sign-in: the provider's authorization URL and what the callback must match. */
  begin(): { url: string; state: string; nonce: string; codeVerifier: string };
  /** Completes a sign-in from the callback's query string; throws {@link LoginError} saying why not. */
  finish(callbackQuery: string, expected: { state: string; nonce: string; codeVerifier: string }): Promise<InboxIdentity>;
}

/** A sign-in that failed: the message is for the person (no token or secret in it). */
export class LoginError extends Error {
  override name = 'LoginError';
}

/** Options of {@link discoverOidcLogin}. */
export interface OidcLoginOptions {
  /** The provider's issuer URL (discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  /** A confidential client's secret; absent: a public client (PKCE alone). */
  clientSecret?: string;
  /** The inbox's callback URL, registered with the provider. */
  redirectUri: string;
  /** Scopes asked for (default `openid email profile`); add the one your provider gives groups under. */
  scope?: string;
  /** The claim holding the person's groups (default `groups`). */
  groupsClaim?: string;
  /** The claim decisions are signed with as subject (default `sub`). */
  subjectClaim?: string;
}

/** Discovers the provider and returns the sign-in; throws when discovery fails. */
export async function discoverOidcLogin(options: OidcLoginOptions): Promise<InboxLogin> {
  const issuer = await Issuer.discover(options.issuer);
  const client: Client = new issuer.Client({
    client_id: options.clientId,
    ...(options.clientSecret ? { client_secret: options.clientSecret } : { token_endpoint_auth_method: 'none' }),
    redirect_uris: [options.redirectUri],
    response_types: ['code'],
  });
  const scope = options.scope ?? 'openid email profile';
  const groupsClaim = options.groupsClaim ?? 'groups';
  const subjectClaim = options.subjectClaim ?? 'sub';
  return {
    issuer: issuer.metadata.issuer,
    begin() {
      const codeVerifier = generators.codeVerifier();
      const state = generators.state();
      const nonce = generators.nonce();
      const url = client.authorizationUrl({ scope, state, nonce, code_challenge: generators.codeChallenge(codeVerifier), code_challenge_method: 'S256' });
      return { url, state, nonce, codeVerifier };
    },
    async finish(callbackQuery, expected) {
      const parameters = client.callbackParams(`/callback?${callbackQuery}`);
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.callback(options.redirectUri, parameters, { state: expected.state, nonce: expected.nonce, code_verifier: expected.codeVerifier, response_type: 'code' });
        claims = { ...tokens.claims() };
        const lacking = claims.email === undefined || claims[groupsClaim] === undefined || claims[subjectClaim] === undefined;
        if (lacking && tokens.access_token && issuer.metadata.userinfo_endpoint) {
          // Checked against the ID token's subject by openid-client.
          claims = { ...(await client.userinfo(tokens)), ...claims };
        }
      } catch (error) {
        throw new LoginError(describeLoginFailure(error));
      }
      return identityFromClaims(claims, { groupsClaim, subjectClaim });
    },
  };
}

/** The person from verified claims: subject, e-mail, name and groups (a list, or one string). */
export function identityFromClaims(claims: Record<string, unknown>, options: { groupsClaim: string; subjectClaim: string }): InboxIdentity {
  const subject = claims[options.subjectClaim];
  if (typeof subject !== 'string' || !subject) {
    throw new LoginError(`the provider's token has no "${options.subjectClaim}" claim to sign decisions with (--subject-claim); ask for the scope that carries it`);
  }
  const rawGroups = claims[options.groupsClaim];
  const groups = Array.isArray(rawGroups) ? rawGroups.filter((group): group is string => typeof group === 'string') : typeof rawGroups === 'string' ? [rawGroups] : [];
  return {
    subject,
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    groups,
  };
}

function describeLoginFailure(error: unknown): string {
  const { error: code, error_description: description } = error as { error?: string; error_description?: string };
  if (code) return `the provider refused the sign-in (${code}${description ? `: ${description}` : ''})`;
  return `the sign-in could not be completed (${(error as Error).message})`;
}
