/**
 * The local OpenID Connect provider of the inbox tests (test/fixtures/oidc-provider.mjs), started
 * as a child process: panva's `oidc-provider` ships only ES modules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const OIDC_CLIENT_ID = 'agentrun-inbox';
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'oidc-provider.mjs');

/** A running provider. */
export interface OidcFixture {
  issuer: string;
  child: ChildProcess;
  /** What it printed on stderr (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts the provider with one public client whose redirect URIs are `redirectUris`. */
export function startOidcProvider(redirectUris: string[]): Promise<OidcFixture> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, OIDC_REDIRECT_URIS: redirectUris.join(','), OIDC_CLIENT_ID, OIDC_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the OpenID provider did not start in 20 s.\nstderr:\n${stderr}`)), 20_000);
    let listening = false;
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('close', (code) => {
      if (!listening) fail(new Error(`the OpenID provider exited (${code}) before it listened.\nstderr:\n${stderr}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (!line || listening) return;
      listening = true;
      clearTimeout(timer);
      const { issuer } = JSON.parse(line) as { issuer: string };
      resolve({
        issuer,
        child,
        stderr: () => stderr,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
