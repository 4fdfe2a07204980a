/**
 * In-app notifications: what the web app shows a user when an import or export finishes or
 * fails. Every look-up is by tenant.
 */
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
} from 'kysely';
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

/**
 * The notifications one caller sees, newest first: those for everyone in the tenant and, when
 * the caller is a user, their own (an API key without a user sees only the tenant-wide ones).
 * `after` is the id of the last notification of the previous page.
 *
 * @example
 * const page = await listVisibleNotifications(db, tenantId, userId, { unreadOnly: true, limit: 50 });
 */
export async function listVisibleNotifications(
  db: Kysely<Database>,
  tenantId: string,
  userId: string | null,
  options: { unreadOnly?: boolean; limit: number; after?: string | undefined },
): Promise<NotificationRow[]> {
  let q = db
    .selectFrom('notifications as n')
    .selectAll('n')
    .where('n.tenant_id', '=', tenantId)
    .where((eb) => visibleTo(eb, userId));
  if (options.unreadOnly) q = q.where('n.read_at', 'is', null);
  const after = options.after;
  if (after !== undefined) {
    q = q.where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('n.created_at', 'n.id'),
        '<',
        selectFrom('notifications as p')
          .select(['p.created_at', 'p.id'])
          .where('p.tenant_id', '=', tenantId)
          .where('p.id', '=', after)
          .$asTuple('created_at', 'id'),
      ),
    );
  }
  return q.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(options.limit).execute();
}

/**
 * Marks one notification the caller can see as read. Returns it, or undefined when the caller
 * cannot see one with this id. A tenant-wide notification is read for everyone (it has one
 * `read_at`).
 *
 * @example
 * const n = await markNotificationRead(db, tenantId, userId, id);
 */
export async function markNotificationRead(
  db: Kysely<Database>,
  tenantId: string,
  userId: string | null,
  id: string,
): Promise<NotificationRow | undefined> {
  return db
    .updateTable('notifications as n')
    .set((eb) => ({ read_at: eb.fn.coalesce('n.read_at', sql<Date>`now()`) }))
    .where('n.tenant_id', '=', tenantId)
    .where('n.id', '=', id)
    .where((eb) => visibleTo(eb, userId))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Marks every unread notification the caller can see as read; returns how many there were.
 *
 * @example
 * const marked = await markAllNotificationsRead(db, tenantId, userId);
 */
export async function markAllNotificationsRead(
  db: Kysely<Database>,
  tenantId: string,
  userId: string | null,
): Promise<number> {
  const result = await db
    .updateTable('notifications as n')
    .set({ read_at: sql<Date>`now()` })
    .where('n.tenant_id', '=', tenantId)
    .where('n.read_at', 'is', null)
    .where((eb) => visibleTo(eb, userId))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

function visibleTo(
  eb: ExpressionBuilder<{ n: NotificationsTable }, 'n'>,
  userId: string | null,
): Expression<SqlBool> {
  return userId === null
    ? eb('n.user_id', 'is', null)
    : eb.or([eb('n.user_id', 'is', null), eb('n.user_id', '=', userId)]);
}
