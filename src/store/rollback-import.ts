/**
 * Rolls an import back from its journal (import_events): contacts it created are deleted, the
 * fields it changed on existing contacts get their previous values back (tags, custom fields and
 * consent with its time and source included), and the segment membership it added is removed.
 *
 * The walk goes contact by contact, in chunks of contacts (one transaction each). A chunk
 * decides per contact, writes the contact changes set-based, and marks the contact's events
 * `undone` in the same transaction, so an interrupted rollback resumes with the first contact
 * whose events are still unmarked, and a finished one finds nothing left to do.
 *
 * Per contact (all of its events of this import, oldest first):
 * - gone: the contact no longer exists (deleted since) → marked 'gone';
 * - conflict: its version is not the version the import's LAST event wrote, so someone changed
 *   it since → left as it is, marked 'conflict' (with `force` it is rolled back like the others,
 *   and a forced run also takes up events an earlier run marked 'conflict');
 * - created by the import → deleted;
 * - otherwise every field the import changed gets the `before` of its EARLIEST event.
 *
 * Segment: the membership rows this import added are removed, except those of contacts left in
 * conflict (a contact left as it is keeps its membership too). A segment the import created is
 * deleted once nobody else's members are left in it; when other imports or people added members
 * it is kept, and the summary says so (`segment.deleted: false`, `remainingMembers`); the
 * rollback of the last import with members in it then deletes it. A segment that existed before
 * the import only loses this import's members.
 *
 * Concurrency rule: each chunk locks the import row first (so two processes rolling back the same
 * import take turns) and then the chunk's contacts, in id order; a contact edited concurrently is
 * either seen as edited (conflict) or waits for the chunk.
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import { RosterError } from '../core/errors.ts';
import type { FieldValue } from '../core/model/contact.ts';
import {
  deleteContacts,
  isWritableRef,
  updateContacts,
  type ContactChange,
} from './contact-writes.ts';
import { getImport, transitionImport } from './imports.ts';
import type {
  AuditActorType,
  Database,
  ImportEventUndone,
  ImportRow,
  ImportStatus,
  JsonObject,
} from './schema.ts';

/** Contacts per transaction when the caller does not say. */
export const DEFAULT_ROLLBACK_CHUNK_SIZE = 1000;

/** How many conflicting contact ids a summary lists (all of them are in import_events). */
export const LISTED_CONFLICTS = 100;

/** Import statuses a rollback may start (or resume, or find finished) from. */
export const ROLLBACK_FROM: readonly ImportStatus[] = [
  'completed',
  'failed',
  'rolling_back',
  'rolled_back',
];

export interface RollbackOptions {
  /** Roll back contacts edited since the import too (their edits are lost). */
  force?: boolean;
  /** Who asks, for the audit trail (default: the CLI, no id). */
  actor?: { type: AuditActorType; id: string | null };
  /** Contacts per transaction (default 1000). */
  chunkSize?: number;
  /** Called after each chunk has committed (progress; tests use it to interrupt a rollback). */
  afterChunk?: (progress: RollbackProgress) => void | Promise<void>;
}

export interface RollbackProgress {
  /** Contacts handled by this call so far. */
  contacts: number;
  chunks: number;
}

/** What became of the import's segment. */
export interface RollbackSegment extends JsonObject {
  id: string;
  name: string;
  /** The import created the segment (it was not there before). */
  createdByImport: boolean;
  deleted: boolean;
  /** Members left in it (added by others, or contacts left in conflict). */
  remainingMembers: number;
}

/** The outcome of a rollback, stored in imports.rollback (counts are totals over every run). */
export interface RollbackSummary extends JsonObject {
  /** Contacts the import created, now deleted. */
  deleted: number;
  /** Existing contacts whose previous values were restored. */
  restored: number;
  /** Contacts edited after the import, left as they are. */
  conflicts: number;
  /** Contacts deleted by someone else before the rollback reached them. */
  gone: number;
  /** Up to LISTED_CONFLICTS ids of the contacts left in conflict. */
  conflictContactIds: string[];
  /** The tags the import added to its rows (they go with the restored or deleted contacts). */
  tagsRemoved: string[];
  segment: RollbackSegment | null;
  segmentDeleted: boolean;
  /** A --force run took part. */
  forced: boolean;
}

export interface RollbackResult {
  jobId: string;
  status: 'rolled_back';
  /** False when there was nothing left to do (already rolled back): nothing was written. */
  changed: boolean;
  rolledBackAt: string | null;
  summary: RollbackSummary;
}

/**
 * Rolls back (or resumes rolling back) the tenant's import `importId`.
 * Throws RosterError('NOT_FOUND') for an id the tenant has no import with, and
 * RosterError('JOB_STATE') for an import that is not completed, failed or being rolled back.
 * A second call on a rolled-back import changes nothing (with `force`: unless contacts were left
 * in conflict, which it then rolls back).
 *
 * @example
 * const { summary } = await rollbackImport(db, tenantId, jobId, { actor: { type: 'cli', id: 'ann' } });
 * summary.deleted; // contacts the import had created
 */
export async function rollbackImport(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const force = options.force ?? false;
  const chunkSize = options.chunkSize ?? DEFAULT_ROLLBACK_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RosterError('OPTION_INVALID', 'chunkSize must be a positive whole number');
  }
  const job = await getImport(db, tenantId, importId);
  checkRollbackState(job);
  if (job.status === 'rolled_back') {
    if (!force || !(await hasConflicts(db, tenantId, importId))) return unchanged(job);
  }
  const previous = summaryOf(job.rollback);
  // From rolling_back too (a resumption), so a rollback another process started meanwhile is
  // joined rather than refused; chunks take turns on the import row's lock.
  const from: ImportStatus[] = ['completed', 'failed', 'rolling_back'];
  if (job.status === 'rolled_back') from.push('rolled_back');
  if (!(await transitionImport(db, tenantId, importId, from, 'rolling_back'))) {
    // Moved meanwhile (another rollback finished it): say what it is now.
    const now = await getImport(db, tenantId, importId);
    checkRollbackState(now);
    return unchanged(now);
  }
  const progress: RollbackProgress = { contacts: 0, chunks: 0 };
  let after: string | null = null;
  for (;;) {
    const last: string | null = after;
    const done: ChunkDone | null = await db
      .transaction()
      .execute((trx) => rollbackChunk(trx, tenantId, importId, last, chunkSize, force));
    if (done === null) break;
    after = done.lastContactId;
    progress.contacts += done.contacts;
    progress.chunks++;
    await options.afterChunk?.({ ...progress });
  }
  const summary = await db.transaction().execute(async (trx) => {
    const locked = await lockImport(trx, tenantId, importId);
    const s = await finish(trx, locked, previous, force);
    await transitionImport(trx, tenantId, importId, ['rolling_back'], 'rolled_back', {
      rollback: s,
    });
    const actor = options.actor ?? { type: 'cli', id: null };
    await trx
      .insertInto('audit_events')
      .values({
        tenant_id: tenantId,
        actor_type: actor.type,
        actor_id: actor.id,
        action: 'import.rollback',
        target_type: 'import',
        target_id: importId,
        details: JSON.stringify({ ...s, contactsThisRun: progress.contacts }),
      })
      .execute();
    return s;
  });
  const final = await getImport(db, tenantId, importId);
  return {
    jobId: importId,
    status: 'rolled_back',
    changed: true,
    rolledBackAt: final.rolled_back_at?.toISOString() ?? null,
    summary,
  };
}

/** Throws JOB_STATE unless a rollback may start from the import's status. */
export function checkRollbackState(job: ImportRow): void {
  if (ROLLBACK_FROM.includes(job.status)) return;
  throw new RosterError(
    'JOB_STATE',
    `Import ${job.id} is ${job.status}; only a completed or failed import can be rolled back`,
    { importId: job.id, status: job.status },
  );
}

function unchanged(job: ImportRow): RollbackResult {
  return {
    jobId: job.id,
    status: 'rolled_back',
    changed: false,
    rolledBackAt: job.rolled_back_at?.toISOString() ?? null,
    summary: summaryOf(job.rollback) ?? emptySummary(job),
  };
}

async function hasConflicts(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('import_events')
    .select('seq')
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .where('undone', '=', 'conflict')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function lockImport(
  trx: Transaction<Database>,
  tenantId: string,
  importId: string,
): Promise<ImportRow> {
  const job = await trx
    .selectFrom('imports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', importId)
    .forUpdate()
    .executeTakeFirst();
  if (!job) throw new RosterError('NOT_FOUND', `No import with id ${importId}`, { importId });
  if (job.status !== 'rolling_back') {
    // Another process finished (or reset) this rollback while we waited for the lock.
    throw new RosterError('JOB_STATE', `Import ${importId} is ${job.status}, not rolling back`, {
      importId,
      status: job.status,
    });
  }
  return job;
}

interface ChunkDone {
  lastContactId: string;
  contacts: number;
}

/** One transaction: the next `size` contacts (by id, after `after`) with events still to undo. */
async function rollbackChunk(
  trx: Transaction<Database>,
  tenantId: string,
  importId: string,
  after: string | null,
  size: number,
  force: boolean,
): Promise<ChunkDone | null> {
  await lockImport(trx, tenantId, importId);
  let pending = trx
    .selectFrom('import_events')
    .select('contact_id')
    .distinct()
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .where((eb) =>
      force
        ? eb.or([eb('undone', 'is', null), eb('undone', '=', 'conflict')])
        : eb('undone', 'is', null),
    );
  if (after !== null) pending = pending.where('contact_id', '>', after);
  const ids = (await pending.orderBy('contact_id').limit(size).execute()).map((r) => r.contact_id);
  const lastContactId = ids[ids.length - 1];
  if (lastContactId === undefined) return null;

  const events = await trx
    .selectFrom('import_events')
    .select(['contact_id', 'seq', 'kind', 'before', 'contact_version'])
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .where('contact_id', 'in', ids)
    .orderBy('contact_id')
    .orderBy('seq')
    .execute();
  const current = new Map(
    (
      await trx
        .selectFrom('contacts')
        .select(['id', 'version'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', ids)
        .orderBy('id')
        .forUpdate()
        .execute()
    ).map((c) => [c.id, c.version]),
  );

  const byContact = new Map<string, typeof events>();
  for (const e of events) {
    const list = byContact.get(e.contact_id);
    if (list) list.push(e);
    else byContact.set(e.contact_id, [e]);
  }
  const deletes: string[] = [];
  const restores: ContactChange[] = [];
  const marks: { id: string; mark: ImportEventUndone }[] = [];
  for (const id of ids) {
    const list = byContact.get(id) ?? [];
    const last = list[list.length - 1];
    const version = current.get(id);
    if (last === undefined) continue;
    if (version === undefined) {
      marks.push({ id, mark: 'gone' });
    } else if (version !== last.contact_version && !force) {
      marks.push({ id, mark: 'conflict' });
    } else if (list.some((e) => e.kind === 'created')) {
      deletes.push(id);
      marks.push({ id, mark: 'reverted' });
    } else {
      restores.push({ id, set: restoreSet(importId, id, list), versionBump: 1 });
      marks.push({ id, mark: 'reverted' });
    }
  }
  await deleteContacts(trx, tenantId, deletes);
  await updateContacts(trx, tenantId, restores);
  await sql`
    update import_events e set undone = m.mark, undone_at = now()
    from unnest(${marks.map((m) => m.id)}::uuid[], ${marks.map((m) => m.mark)}::text[])
      as m(contact_id, mark)
    where e.tenant_id = ${tenantId}::uuid and e.import_id = ${importId}::uuid
      and e.contact_id = m.contact_id
  `.execute(trx);
  return { lastContactId, contacts: ids.length };
}

/** The value each changed field had before the import: the `before` of its earliest event. */
function restoreSet(
  importId: string,
  contactId: string,
  events: readonly { before: JsonObject | null }[],
): Record<string, FieldValue> {
  const set: Record<string, FieldValue> = {};
  for (const e of events) {
    for (const [ref, value] of Object.entries(e.before ?? {})) {
      if (Object.hasOwn(set, ref)) continue;
      if (!isWritableRef(ref)) {
        // A journal this code cannot read back: stop rather than restore part of a contact.
        throw new RosterError(
          'INTERNAL',
          `The journal of import ${importId} names "${ref}", which rollback cannot restore`,
          { importId, contactId, field: ref },
        );
      }
      set[ref] = toFieldValue(value);
    }
  }
  return set;
}

function toFieldValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return JSON.stringify(value);
}

/** Last step: membership and segment, then the totals over every run of this rollback. */
async function finish(
  trx: Transaction<Database>,
  job: ImportRow,
  previous: RollbackSummary | null,
  force: boolean,
): Promise<RollbackSummary> {
  const tenantId = job.tenant_id;
  // Members whose contact the rollback deleted went with it (on delete cascade); this removes
  // the rest: restored contacts, and those the import left unchanged or skipped.
  await trx
    .deleteFrom('segment_members as m')
    .where('m.tenant_id', '=', tenantId)
    .where('m.import_id', '=', job.id)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('import_events as e')
            .select('e.seq')
            .where('e.tenant_id', '=', tenantId)
            .where('e.import_id', '=', job.id)
            .whereRef('e.contact_id', '=', 'm.contact_id')
            .where('e.undone', '=', 'conflict'),
        ),
      ),
    )
    .executeTakeFirst();
  const segment = (await segmentOutcome(trx, job)) ?? previous?.segment ?? null;

  const totals = await sql<{
    deleted: number;
    restored: number;
    conflicts: number;
    gone: number;
    pending: number;
  }>`
    select
      count(*) filter (where s.mark = 'reverted' and s.created) as deleted,
      count(*) filter (where s.mark = 'reverted' and not s.created) as restored,
      count(*) filter (where s.mark = 'conflict') as conflicts,
      count(*) filter (where s.mark = 'gone') as gone,
      count(*) filter (where s.open) as pending
    from (
      select bool_or(kind = 'created') as created, max(undone) as mark,
        bool_or(undone is null) as open
      from import_events
      where tenant_id = ${tenantId}::uuid and import_id = ${job.id}::uuid
      group by contact_id
    ) s
  `.execute(trx);
  const t = totals.rows[0];
  if (!t || Number(t.pending) > 0) {
    throw new RosterError('INTERNAL', `Rollback of import ${job.id} left events unprocessed`, {
      importId: job.id,
    });
  }
  const conflictIds = await trx
    .selectFrom('import_events')
    .select('contact_id')
    .distinct()
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', job.id)
    .where('undone', '=', 'conflict')
    .orderBy('contact_id')
    .limit(LISTED_CONFLICTS)
    .execute();
  return {
    deleted: Number(t.deleted),
    restored: Number(t.restored),
    conflicts: Number(t.conflicts),
    gone: Number(t.gone),
    conflictContactIds: conflictIds.map((r) => r.contact_id),
    tagsRemoved: importTagsOf(job),
    segment,
    segmentDeleted: segment?.deleted ?? false,
    forced: force || (previous?.forced ?? false),
  };
}

/** Deletes the import's own segment when nobody else's members are left in it. */
async function segmentOutcome(
  trx: Transaction<Database>,
  job: ImportRow,
): Promise<RollbackSegment | null> {
  if (job.segment_id === null) return null;
  const segment = await trx
    .selectFrom('segments')
    .select(['id', 'name', 'import_id'])
    .where('tenant_id', '=', job.tenant_id)
    .where('id', '=', job.segment_id)
    .forUpdate()
    .executeTakeFirst();
  if (!segment) return null;
  const { n } = await trx
    .selectFrom('segment_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', job.tenant_id)
    .where('segment_id', '=', segment.id)
    .executeTakeFirstOrThrow();
  const remaining = Number(n);
  const createdByImport = segment.import_id === job.id;
  // A segment whose creating import was rolled back earlier (and kept it for our members) goes
  // with the last of them, so chained rollbacks leave nothing behind.
  const ownerRolledBack =
    !createdByImport &&
    segment.import_id !== null &&
    (
      await trx
        .selectFrom('imports')
        .select('status')
        .where('tenant_id', '=', job.tenant_id)
        .where('id', '=', segment.import_id)
        .executeTakeFirst()
    )?.status === 'rolled_back';
  const deleted = (createdByImport || ownerRolledBack) && remaining === 0;
  if (deleted) {
    await trx
      .deleteFrom('segments')
      .where('tenant_id', '=', job.tenant_id)
      .where('id', '=', segment.id)
      .execute();
  }
  return {
    id: segment.id,
    name: segment.name,
    createdByImport,
    deleted,
    remainingMembers: remaining,
  };
}

/** The tags the import added to every row (options.transform.importTags). */
export function importTagsOf(job: ImportRow): string[] {
  const transform = (job.options as { transform?: { importTags?: unknown } }).transform;
  const tags = transform?.importTags;
  return Array.isArray(tags) ? tags.map(String) : [];
}

function summaryOf(value: unknown): RollbackSummary | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Partial<RollbackSummary>;
  return typeof v.deleted === 'number' ? (v as RollbackSummary) : null;
}

function emptySummary(job: ImportRow): RollbackSummary {
  return {
    deleted: 0,
    restored: 0,
    conflicts: 0,
    gone: 0,
    conflictContactIds: [],
    tagsRemoved: importTagsOf(job),
    segment: null,
    segmentDeleted: false,
    forced: false,
  };
}
