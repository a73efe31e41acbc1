/**
 * The inbox's sessions and sign-ins in progress, kept in this process's memory: one inbox process
 * per deployment, and people sign in again after it restarts. A session is a random id in an
 * HttpOnly cookie; what it stands for (the identity, its CSRF token) never leaves the server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { InboxIdentity } from './inbox-access';

/** How long a session lasts from sign-in (then the person signs in again, and their groups are read again). */
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** How long a sign-in may take at the OpenID provider. */
export const LOGIN_TTL_MS = 10 * 60_000;
/** At most this many sessions and sign-ins in progress are kept; the oldest go first. */
const MAX_ENTRIES = 10_000;

/** A signed-in person's session. */
export interface InboxSession {
  id: string;
  identity: InboxIdentity;
  /** Every form carries it; a POST without it is refused. */
  csrfToken: string;
  expiresAt: number;
  /** A one-time notice for the next page (what was just decided). */
  flash?: string;
}

/** A sign-in sent to the OpenID provider, waiting for its callback. */
export interface PendingLogin {
  id: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where to go once signed in (a path under the inbox). */
  returnTo: string;
  expiresAt: number;
}

/** A random id (256 bits, base64url). */
export function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** Sessions and sign-ins in progress, expiring. */
export class SessionStore {
  private readonly sessions = new Map<string, InboxSession>();
  private readonly logins = new Map<string, PendingLogin>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts a session for a person who just signed in. */
  createSession(identity: InboxIdentity): InboxSession {
    const session: InboxSession = { id: randomId(), identity, csrfToken: randomId(), expiresAt: this.now() + SESSION_TTL_MS };
    remember(this.sessions, session.id, session);
    return session;
  }

  /** The live session with this id, if any. */
  session(id: string | undefined): InboxSession | undefined {
    return id === undefined ? undefined : live(this.sessions, id, this.now());
  }

  endSession(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  /** Keeps a sign-in in progress. */
  beginLogin(login: Omit<PendingLogin, 'id' | 'expiresAt'>): PendingLogin {
    const pending: PendingLogin = { ...login, id: randomId(), expiresAt: this.now() + LOGIN_TTL_MS };
    remember(this.logins, pending.id, pending);
    return pending;
  }

  /** Takes a sign-in in progress (once: a callback cannot be replayed). */
  takeLogin(id: string | undefined): PendingLogin | undefined {
    if (id === undefined) return undefined;
    const pending = live(this.logins, id, this.now());
    this.logins.delete(id);
    return pending;
  }
}

/** Whether a submitted CSRF token is the session's (constant time). */
export function csrfMatches(session: InboxSession, submitted: string | null | undefined): boolean {
  const given = Buffer.from(submitted ?? '');
  const expected = Buffer.from(session.csrfToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function live<T extends { expiresAt: number }>(entries: Map<string, T>, id: string, now: number): T | undefined {
  const entry = entries.get(id);
  if (entry && entry.expiresAt <= now) {
    entries.delete(id);
    return undefined;
  }
  return entry;
}

function remember<T>(entries: Map<string, T>, id: string, entry: T): void {
  entries.set(id, entry);
  // Maps keep insertion order: the first keys are the oldest.
  for (const oldest of entries.keys()) {
    if (entries.size <= MAX_ENTRIES) break;
    entries.delete(oldest);
  }
}
