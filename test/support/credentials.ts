/**
 * An Entra ID credential for tests: it hands out the emulator's key as the token and records the
 * scopes asked for (the emulator's Azure dialects take the key as a bearer token).
 */
import type { AccessToken, TokenCredential } from '@azure/identity';

/** A credential that hands out `token`, recording the scopes asked for in `scopes`. */
export function fixedTokenCredential(token: string, scopes: string[] = []): TokenCredential {
  return {
    async getToken(scope: string | string[]): Promise<AccessToken> {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
