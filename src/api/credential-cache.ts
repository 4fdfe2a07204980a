/**
 * Credentials this process verified in the last few seconds, so that a script sending many
 * requests with one API key (or a page polling with one session) costs a database look-up every
 * few seconds instead of one per request.
 *
 * Correctness rests on two rules:
 * - Revocations in this process (store/revocations.ts) forget matching entries at once, and
 *   bump a generation: a look-up that started before a revocation never stores its answer, which
 *   may have been read before the revocation committed.
 * - An entry lives at most `ttlMs` (and never past the credential's own expiry), so a revocation
 *   made by another process (another server, the CLI) takes effect here within `ttlMs`.
 *
 * Only successful verifications are kept: an unknown key is looked up every time, so a key
 * created a moment ago works at once.
 */
import { createHash } from 'node:crypto';
import type { Revocation } from '../store/revocations.ts';
import type { Principal } from './principal.ts';

/** How long another process's revocation may go unnoticed here. */
export const CREDENTIAL_CACHE_TTL_MS = 5000;

/** Entries kept at most (the oldest go first); ~300 bytes each. */
export const CREDENTIAL_CACHE_MAX_ENTRIES = 10_000;

export interface CredentialCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

interface Entry {
  principal: Principal;
  until: number;
}

export class CredentialCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Insertion order is age order: the first entry is the oldest. */
  readonly #entries = new Map<string, Entry>();
  #generation = 0;

  constructor(options: CredentialCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? CREDENTIAL_CACHE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? CREDENTIAL_CACHE_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The principal a credential was verified as, or undefined when it was not verified recently.
   *
   * @example
   * const principal = cache.get(header) ?? (await cache.verify(header, () => lookUp(header)));
   */
  get(credential: string): Principal | undefined {
    const key = keyOf(credential);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /**
   * Runs the look-up and keeps what it verified, unless a revocation happened meanwhile.
   * `lookUp` answers null for a credential that is not valid, or the principal and when the
   * credential itself expires (null: never).
   *
   * @example
   * const principal = await cache.verify(key, async () => principalOfKey(await authenticateApiKey(db, key)));
   */
  async verify(
    credential: string,
    lookUp: () => Promise<{ principal: Principal; expiresAt: Date | null } | null>,
  ): Promise<Principal | null> {
    const generation = this.#generation;
    const found = await lookUp();
    if (!found) return null;
    if (generation === this.#generation) {
      const until = Math.min(
        this.#now() + this.#ttlMs,
        found.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
      );
      const key = keyOf(credential);
      this.#entries.delete(key);
      this.#entries.set(key, { principal: found.principal, until });
      if (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
    }
    return found.principal;
  }

  /**
   * Forgets every entry the revocation covers (a scan: revocations are rare).
   *
   * @example
   * onRevocation((r) => cache.forget(r));
   */
  forget(revocation: Revocation): void {
    this.#generation++;
    for (const [key, { principal }] of this.#entries) {
      if (covers(revocation, principal)) this.#entries.delete(key);
    }
  }
}

function covers(r: Revocation, p: Principal): boolean {
  if (p.tenantId !== r.tenantId) return false;
  if ('apiKeyId' in r) return p.kind === 'api_key' && p.credentialId === r.apiKeyId;
  if ('sessionId' in r) return p.kind === 'session' && p.credentialId === r.sessionId;
  return p.userId === r.userId;
}

/** Map keys are hashes, so the cache does not hold the secrets themselves. */
function keyOf(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('base64');
}
