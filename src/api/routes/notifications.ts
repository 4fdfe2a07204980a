/**
 * In-app notifications: what finished or failed. A user sees those for the whole tenant and
 * their own; an API key without a user sees the tenant-wide ones.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import {
  listVisibleNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  type NotificationRow,
} from '../../store/notifications.ts';
import type { App, AppDeps } from '../app.ts';
import { principalOf } from '../principal.ts';
import { ERRORS, IdParams, PageQuery } from '../schemas/common.ts';
import { cursorOf, foundId, notFound, Nullable, pageOf } from '../schemas/objects.ts';

const NotificationBody = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'import.completed, export.failed, ...' }),
  level: Type.String({ description: 'info, success, warning or error' }),
  title: Type.String(),
  body: Nullable(Type.String()),
  target: Nullable(Type.Object({ type: Type.String(), id: Type.String() })),
  forEveryone: Type.Boolean({ description: 'For the whole tenant, not only the caller' }),
  createdAt: Type.String(),
  readAt: Nullable(Type.String()),
});

export function registerNotificationRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: "The caller's notifications, newest first",
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({ unread: Type.Optional(Type.Boolean()) }),
        ]),
        response: {
          200: Type.Object({
            notifications: Type.Array(NotificationBody),
            next: Nullable(Type.String()),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = request.query.limit ?? 50;
      const rows = await listVisibleNotifications(db, p.tenantId, p.userId, {
        unreadOnly: request.query.unread === true,
        limit: limit + 1,
        after: cursorOf(request.query.after),
      });
      const { items, next } = pageOf(rows, limit);
      return { notifications: items.map(notificationJson), next };
    },
  );

  app.post(
    '/notifications/:id/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark a notification read',
        params: IdParams,
        response: { 200: NotificationBody, ...ERRORS },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const id = foundId('notification', request.params.id);
      const row = await markNotificationRead(db, p.tenantId, p.userId, id);
      if (!row) throw notFound('notification', id);
      return notificationJson(row);
    },
  );

  app.post(
    '/notifications/read-all',
    {
      schema: {
        tags: ['notifications'],
        summary: "Mark all of the caller's notifications read",
        response: { 200: Type.Object({ marked: Type.Integer() }), ...ERRORS },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { marked: await markAllNotificationsRead(db, p.tenantId, p.userId) };
    },
  );
}

function notificationJson(n: NotificationRow): Static<typeof NotificationBody> {
  return {
    id: n.id,
    kind: n.kind,
    level: n.level,
    title: n.title,
    body: n.body,
    target:
      n.target_type !== null && n.target_id !== null
        ? { type: n.target_type, id: n.target_id }
        : null,
    forEveryone: n.user_id === null,
    createdAt: n.created_at.toISOString(),
    readAt: n.read_at?.toISOString() ?? null,
  };
}
