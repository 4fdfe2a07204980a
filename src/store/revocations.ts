/**
 * Tells this process's listeners that credentials stopped being valid: a key revoked, a session
 * ended, a user disabled. The store functions that do these things announce them after their
 * write, so a cache of verified credentials (the API's) can forget them at once instead of
 * waiting for its entries to age out.
 *
 * Only this process hears it: another process (a second `roster serve`, the CLI) keeps its own
 * cache, which is why such caches keep their entries for a few seconds only.
 */

/** What stopped being valid, always within one tenant. */
export type Revocation =
  | { tenantId: string; apiKeyId: string }
  | { tenantId: string; sessionId: string }
  /** Every session and API key of the user. */
  | { tenantId: string; userId: string };

export type RevocationListener = (revocation: Revocation) => void;

const listeners = new Set<RevocationListener>();

/**
 * Calls `listener` on every revocation in this process until the returned function is called.
 *
 * @example
 * const stop = onRevocation((r) => cache.forget(r));
 * app.addHook('onClose', async () => stop());
 */
export function onRevocation(listener: RevocationListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/**
 * Announces a revocation to this process's listeners (synchronously: they have forgotten the
 * credential when this returns).
 *
 * @example
 * announceRevocation({ tenantId, apiKeyId });
 */
export function announceRevocation(revocation: Revocation): void {
  for (const listener of listeners) listener(revocation);
}
