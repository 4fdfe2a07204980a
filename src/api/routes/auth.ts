/**
 * Sign-in for the web app (session cookie), the caller's own identity, and the tenant's users and
 * API keys (admins only).
 */
import { Type } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { RosterError } from '../../core/errors.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.ts';
import { recordAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { createSession, deleteSession } from '../../store/sessions.ts';
import { createUser, disableUser, findUser, listUsers, verifyLogin } from '../../store/users.ts';
import type { App, AppDeps } from '../app.ts';
import { SESSION_COOKIE } from '../plugins/authenticate.ts';
import { actorOf, principalOf } from '../principal.ts';
import { ERRORS, ErrorResponse, IdParams, NoContent } from '../schemas/common.ts';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
const UserBody = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  createdAt: Type.String(),
  disabledAt: Type.Union([Type.String(), Type.Null()]),
});
const ApiKeyBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  role: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

/** Attempts per address and minute; a guessing script gets 429 long before a password falls. */
const SIGN_IN_LIMIT = { max: 10, timeWindow: '1 minute' };

export function registerAuthRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.post(
    '/auth/login',
    {
      config: { public: true, rateLimit: SIGN_IN_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; sets the session cookie',
        body: Type.Object({
          email: Type.String({ minLength: 1, maxLength: 320 }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
          tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: {
          200: Type.Object({ user: UserBody, tenant: Type.String() }),
          401: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { email, password, tenant = 'default' } = request.body;
      const user = await verifyLogin(db, tenant, email, password);
      if (!user) throw new RosterError('UNAUTHENTICATED', 'Wrong tenant, email or password');
      const session = await createSession(db, user.tenantId, user.id);
      reply.setCookie(SESSION_COOKIE, session.cookie, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.settings.secureCookies,
        expires: session.expiresAt,
      });
      await recordAudit(db, user.tenantId, {
        actor: { type: 'user', id: user.id },
        action: 'auth.login',
        target: { type: 'session', id: session.sessionId },
      });
      return { user: userJson(user), tenant: await tenantName(db, user.tenantId) };
    },
  );

  app.post(
    '/auth/logout',
    { config: { public: true }, schema: { tags: ['auth'], summary: 'Sign out' } },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind === 'session') await deleteSession(db, p.tenantId, p.credentialId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who the caller is',
        response: {
          200: Type.Object({
            tenant: Type.Object({ id: Type.String(), name: Type.String() }),
            user: Type.Union([UserBody, Type.Null()]),
            role: Type.String(),
            via: Type.String(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const name = await tenantName(db, p.tenantId);
      const user = p.userId === null ? null : await findUser(db, p.tenantId, p.userId);
      return {
        tenant: { id: p.tenantId, name },
        user: user ? userJson(user) : null,
        role: p.role,
        via: p.kind,
      };
    },
  );

  app.get(
    '/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['accounts'],
        response: { 200: Type.Object({ users: Type.Array(UserBody) }), ...ERRORS },
      },
    },
    async (request) => ({
      users: (await listUsers(db, principalOf(request).tenantId)).map(userJson),
    }),
  );

  app.post(
    '/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['accounts'],
        body: Type.Object({
          email: Type.String({ minLength: 3, maxLength: 320 }),
          name: Type.Optional(Type.String({ maxLength: 200 })),
          role: Type.Optional(Role),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
        }),
        response: { 201: UserBody, ...ERRORS, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const user = await createUser(db, p.tenantId, request.body);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'user.create',
        target: { type: 'user', id: user.id },
      });
      return reply.code(201).send(userJson(user));
    },
  );

  app.delete(
    '/users/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['accounts'],
        summary: 'Disable a user',
        params: IdParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (request.params.id === p.userId) {
        throw new RosterError('CONFLICT', 'You cannot disable yourself');
      }
      await disableUser(db, p.tenantId, request.params.id);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'user.disable',
        target: { type: 'user', id: request.params.id },
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api-keys',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['accounts'],
        response: { 200: Type.Object({ apiKeys: Type.Array(ApiKeyBody) }), ...ERRORS },
      },
    },
    async (request) => ({
      apiKeys: (await listApiKeys(db, principalOf(request).tenantId)).map(apiKeyJson),
    }),
  );

  app.post(
    '/api-keys',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['accounts'],
        summary: 'Create an API key; the key is in this response only',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          role: Type.Optional(Role),
        }),
        response: {
          201: Type.Intersect([ApiKeyBody, Type.Object({ key: Type.String() })]),
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const created = await createApiKey(db, p.tenantId, {
        name: request.body.name,
        role: request.body.role ?? 'member',
      });
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'api_key.create',
        target: { type: 'api_key', id: created.id },
      });
      return reply.code(201).send({ ...apiKeyJson(created), key: created.key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['accounts'],
        summary: 'Revoke an API key',
        params: IdParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await revokeApiKey(db, p.tenantId, request.params.id);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'api_key.revoke',
        target: { type: 'api_key', id: request.params.id },
      });
      return reply.code(204).send(null);
    },
  );
}

async function tenantName(db: Kysely<Database>, tenantId: string): Promise<string> {
  const row = await db
    .selectFrom('tenants')
    .select('name')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return row.name;
}

function userJson(user: {
  id: string;
  email: string;
  name: string | null;
  role: string;
  createdAt: Date;
  disabledAt: Date | null;
}) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    disabledAt: user.disabledAt?.toISOString() ?? null,
  };
}

function apiKeyJson(key: {
  id: string;
  name: string;
  prefix: string;
  role: string;
  userId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    userId: key.userId,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
