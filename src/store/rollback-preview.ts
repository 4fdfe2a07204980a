/**
 * What a rollback would do, for the confirmation screen (spec: "Rollback Import"). Read-only,
 * one aggregate query over the import's journal joined with the contacts as they are now, so
 * conflicts (contacts edited since the import) are known before anything is written.
 */
import { sql, type Kysely } from 'kysely';
import { getImport } from './imports.ts';
import { checkRollbackState, importTagsOf } from './rollback-import.ts';
import type { Database, ImportStatus } from './schema.ts';

export interface RollbackPreview {
  jobId: string;
  fileName: string;
  status: ImportStatus;
  /** Contacts the import created that will be deleted. */
  toDelete: number;
  /** Existing contacts that will get their previous values back. */
  toRestore: number;
  /** Contacts edited since the import, to be left as they are (0 with `force`: all restored). */
  conflicts: number;
  /** Contacts of the journal that no longer exist. */
  gone: number;
  /** Tags the import added to its rows. */
  tags: string[];
  segment: {
    id: string;
    name: string;
    /** 'delete': the import created it and only its rows are in it; 'remove_members' otherwise. */
    action: 'delete' | 'remove_members';
    /** Members this import added. */
    members: number;
    /** Members added by others (or kept because their contact is left in conflict). */
    otherMembers: number;
  } | null;
  /** True when a rollback would write nothing (already rolled back). */
  nothingToDo: boolean;
}

/**
 * Counts what `rollbackImport(db, tenantId, importId, { force })` would do now.
 * Throws NOT_FOUND / JOB_STATE as the rollback itself does.
 *
 * @example
 * const p = await previewRollback(db, tenantId, jobId);
 * console.log(`Delete ${p.toDelete} contacts, restore ${p.toRestore}, ${p.conflicts} conflicts`);
 */
export async function previewRollback(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  options: { force?: boolean } = {},
): Promise<RollbackPreview> {
  const force = options.force ?? false;
  const job = await getImport(db, tenantId, importId);
  checkRollbackState(job);
  // A contact is pending while its events are unmarked (or marked 'conflict', for a forced run).
  const pendingMark = force
    ? sql`(e.undone is null or e.undone = 'conflict')`
    : sql`e.undone is null`;
  const conflictTest = force ? sql`false` : sql`(c.id is not null and c.version <> p.last_version)`;
  const counts = await sql<{
    to_delete: number;
    to_restore: number;
    conflicts: number;
    gone: number;
    conflict_members: number;
  }>`
    with pending as (
      select e.contact_id, bool_or(e.kind = 'created') as created,
        (array_agg(e.contact_version order by e.seq desc))[1] as last_version
      from import_events e
      where e.tenant_id = ${tenantId}::uuid and e.import_id = ${importId}::uuid
      group by e.contact_id
      having bool_or(${pendingMark})
    ), judged as (
      select p.contact_id, p.created, c.id is null as gone,
        ${conflictTest} as conflict
      from pending p
      left join contacts c on c.tenant_id = ${tenantId}::uuid and c.id = p.contact_id
    )
    select
      count(*) filter (where not gone and not conflict and created) as to_delete,
      count(*) filter (where not gone and not conflict and not created) as to_restore,
      count(*) filter (where conflict) as conflicts,
      count(*) filter (where gone) as gone,
      (select count(*) from segment_members m
        where m.tenant_id = ${tenantId}::uuid and m.import_id = ${importId}::uuid
          and m.contact_id in (select contact_id from judged where conflict)
      ) as conflict_members
    from judged
  `.execute(db);
  const c = counts.rows[0];
  const toDelete = Number(c?.to_delete ?? 0);
  const toRestore = Number(c?.to_restore ?? 0);
  const conflicts = Number(c?.conflicts ?? 0);
  const gone = Number(c?.gone ?? 0);

  let segment: RollbackPreview['segment'] = null;
  if (job.segment_id !== null) {
    const row = await db
      .selectFrom('segments as s')
      .select(['s.id', 's.name', 's.import_id'])
      .select((eb) => [
        eb
          .selectFrom('segment_members as m')
          .select((m) => m.fn.countAll<number>().as('n'))
          .whereRef('m.tenant_id', '=', 's.tenant_id')
          .whereRef('m.segment_id', '=', 's.id')
          .where('m.import_id', '=', importId)
          .as('mine'),
        eb
          .selectFrom('segment_members as m')
          .select((m) => m.fn.countAll<number>().as('n'))
          .whereRef('m.tenant_id', '=', 's.tenant_id')
          .whereRef('m.segment_id', '=', 's.id')
          .where((m) => m.or([m('m.import_id', 'is', null), m('m.import_id', '!=', importId)]))
          .as('others'),
      ])
      .where('s.tenant_id', '=', tenantId)
      .where('s.id', '=', job.segment_id)
      .executeTakeFirst();
    if (row) {
      const mine = Number(row.mine ?? 0);
      const others = Number(row.others ?? 0) + Number(c?.conflict_members ?? 0);
      segment = {
        id: row.id,
        name: row.name,
        action: row.import_id === importId && others === 0 ? 'delete' : 'remove_members',
        members: mine - Number(c?.conflict_members ?? 0),
        otherMembers: others,
      };
    }
  }
  // A forced preview counts former conflicts as contacts to delete or restore.
  const nothingToDo = job.status === 'rolled_back' && toDelete + toRestore + gone + conflicts === 0;
  return {
    jobId: job.id,
    fileName: job.file_name,
    status: job.status,
    toDelete,
    toRestore,
    conflicts,
    gone,
    tags: importTagsOf(job),
    segment,
    nothingToDo,
  };
}
