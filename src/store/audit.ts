/**
 * The audit trail: who did what to which object, per tenant.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AuditActorType, AuditEventsTable, Database, JsonObject } from './schema.ts';

export type AuditEventRow = Selectable<AuditEventsTable>;

export interface NewAuditEvent {
  actor: { type: AuditActorType; id: string | null };
  /** A dotted name: `import.completed`, `export.failed`, `import.rollback`. */
  action: string;
  target: { type: string; id: string } | null;
  details?: JsonObject;
}

/**
 * Records an audit event.
 *
 * @example
 * await recordAudit(db, tenantId, { actor: { type: 'system', id: 'worker-1' },
 *   action: 'import.completed', target: { type: 'import', id }, details: { created: 10 } });
 */
export async function recordAudit(
  db: Kysely<Database>,
  tenantId: string,
  event: NewAuditEvent,
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      tenant_id: tenantId,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      action: event.action,
      target_type: event.target?.type ?? null,
      target_id: event.target?.id ?? null,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}

/**
 * The tenant's audit events about one object, oldest first.
 *
 * @example
 * const trail = await auditEventsOf(db, tenantId, { type: 'import', id });
 */
export async function auditEventsOf(
  db: Kysely<Database>,
  tenantId: string,
  target: { type: string; id: string },
): Promise<AuditEventRow[]> {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('target_type', '=', target.type)
    .where('target_id', '=', target.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
