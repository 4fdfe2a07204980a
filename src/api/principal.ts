/**
 * Who is calling: a signed-in user (session cookie) or a script (API key). Every route reads the
 * tenant from here and from nowhere else, so an id from another tenant simply is not found.
 */
import type { FastifyRequest } from 'fastify';
import { RosterError } from '../core/errors.ts';

export type Role = 'admin' | 'member' | 'viewer';

export interface Principal {
  tenantId: string;
  /** The user; null for an API key that belongs to no user. */
  userId: string | null;
  role: Role;
  kind: 'session' | 'api_key';
  /** The session or API key id (audit trail). */
  credentialId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Reachable without credentials (sign-in, health, signed download links). */
    public?: boolean;
    /** Lowest role allowed; default: any signed-in role. */
    role?: 'admin' | 'member';
  }
}

/**
 * The caller of an authenticated route (the auth hook has already refused anonymous requests).
 *
 * @example
 * const { tenantId } = principalOf(request);
 */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new RosterError('UNAUTHENTICATED', 'Sign in or send an API key');
  return request.principal;
}

/** The actor of audit events. */
export function actorOf(principal: Principal): { type: 'user' | 'api_key'; id: string } {
  return principal.kind === 'api_key'
    ? { type: 'api_key', id: principal.credentialId }
    : { type: 'user', id: principal.userId ?? principal.credentialId };
}
