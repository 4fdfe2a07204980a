/**
 * Finds the caller of every request: an API key (`Authorization: Bearer rk_...` or `X-Api-Key`)
 * or the session cookie of the web app. Routes are private unless their config says `public`;
 * `role: 'admin'` keeps members out.
 *
 * Verified credentials are kept a few seconds (credential-cache.ts): without that, every request
 * of a busy script paid a hash and a database round trip before its own work. A revocation in
 * this process takes effect at once; one made by another process within CREDENTIAL_CACHE_TTL_MS.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { RosterError } from '../../core/errors.ts';
import { authenticateApiKey } from '../../store/api-keys.ts';
import { onRevocation } from '../../store/revocations.ts';
import type { Database } from '../../store/schema.ts';
import { authenticateSession } from '../../store/sessions.ts';
import { CredentialCache, type CredentialCacheOptions } from '../credential-cache.ts';
import type { Principal } from '../principal.ts';

export const SESSION_COOKIE = 'roster_session';

/**
 * @example
 * installAuthentication(app, db);
 */
export function installAuthentication(
  app: FastifyInstance,
  db: Kysely<Database>,
  cacheOptions: CredentialCacheOptions = {},
): void {
  const cache = new CredentialCache(cacheOptions);
  const stopListening = onRevocation((r) => cache.forget(r));
  app.addHook('onClose', async () => stopListening());
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    request.principal = await principalFrom(db, cache, request);
    const config = request.routeOptions.config;
    if (config.public === true) return;
    if (!request.principal) {
      throw new RosterError(
        'UNAUTHENTICATED',
        'Sign in, or send an API key as "Authorization: Bearer <key>"',
      );
    }
    if (config.role === 'admin' && request.principal.role !== 'admin') {
      throw new RosterError('FORBIDDEN', 'Only an admin of the tenant can do this');
    }
    if (request.principal.role === 'viewer' && request.method !== 'GET') {
      throw new RosterError('FORBIDDEN', 'A viewer can only read');
    }
  });
}

async function principalFrom(
  db: Kysely<Database>,
  cache: CredentialCache,
  request: FastifyRequest,
): Promise<Principal | null> {
  const key = apiKeyOf(request);
  if (key !== null) {
    const credential = `key:${key}`;
    const principal =
      cache.get(credential) ??
      (await cache.verify(credential, async () => {
        const auth = await authenticateApiKey(db, key);
        if (!auth) return null;
        return {
          principal: {
            tenantId: auth.tenantId,
            userId: auth.userId,
            role: auth.role,
            kind: 'api_key',
            credentialId: auth.apiKeyId,
          },
          expiresAt: auth.expiresAt,
        };
      }));
    // A wrong key is an error even on public routes: the caller meant to be someone.
    if (!principal)
      throw new RosterError('UNAUTHENTICATED', 'The API key is unknown, revoked or expired');
    return principal;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined || cookie === '') return null;
  const credential = `session:${cookie}`;
  return (
    cache.get(credential) ??
    cache.verify(credential, async () => {
      const session = await authenticateSession(db, cookie);
      if (!session) return null;
      return {
        principal: {
          tenantId: session.tenantId,
          userId: session.userId,
          role: session.role,
          kind: 'session',
          credentialId: session.sessionId,
        },
        expiresAt: session.expiresAt,
      };
    })
  );
}

function apiKeyOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1]!;
  }
  const direct = request.headers['x-api-key'];
  return typeof direct === 'string' && direct !== '' ? direct : null;
}
