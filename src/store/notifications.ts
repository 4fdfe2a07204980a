/**
 * In-app notifications: what the web app shows a user when an import or export finishes or
 * fails. Every look-up is by tenant.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, NotificationLevel, NotificationsTable } from './schema.ts';

export type NotificationRow = Selectable<NotificationsTable>;

export interface NewNotification {
  /** The user to tell; null: everyone in the tenant. */
  userId: string | null;
  /** What happened, as a dotted name: `import.completed`, `export.failed`. */
  kind: string;
  level: NotificationLevel;
  title: string;
  body: string | null;
  /** What it is about (`import`, `export`) and its id, for a link. */
  target: { type: string; id: string } | null;
}

/**
 * Records a notification.
 *
 * @example
 * await createNotification(db, tenantId, { userId: null, kind: 'import.completed', level: 'success',
 *   title: 'Import finished', body: '10 created', target: { type: 'import', id } });
 */
export async function createNotification(
  db: Kysely<Database>,
  tenantId: string,
  n: NewNotification,
): Promise<NotificationRow> {
  return db
    .insertInto('notifications')
    .values({
      tenant_id: tenantId,
      user_id: n.userId,
      kind: n.kind,
      level: n.level,
      title: n.title,
      body: n.body,
      target_type: n.target?.type ?? null,
      target_id: n.target?.id ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ListNotificationsOptions {
  /** Only this user's notifications and those for everyone in the tenant. */
  userId?: string;
  unreadOnly?: boolean;
  limit?: number;
}

/**
 * The tenant's notifications, newest first.
 *
 * @example
 * const unread = await listNotifications(db, tenantId, { userId, unreadOnly: true });
 */
export async function listNotifications(
  db: Kysely<Database>,
  tenantId: string,
  options: ListNotificationsOptions = {},
): Promise<NotificationRow[]> {
  let q = db.selectFrom('notifications').selectAll().where('tenant_id', '=', tenantId);
  const userId = options.userId;
  if (userId !== undefined) {
    q = q.where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]));
  }
  if (options.unreadOnly) q = q.where('read_at', 'is', null);
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
}
