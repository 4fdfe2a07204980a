import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { isRosterError } from '../../src/core/errors.ts';
import { bytesSource } from '../../src/core/model/byte-source.ts';
import { createImportJob } from '../../src/jobs/create-import.ts';
import type { ImportRequest } from '../../src/jobs/plan-import.ts';
import { deleteContacts, updateContacts } from '../../src/store/contact-writes.ts';
import { getImport } from '../../src/store/imports.ts';
import { rollbackImport, type RollbackOptions } from '../../src/store/rollback-import.ts';
import { previewRollback } from '../../src/store/rollback-preview.ts';
import type { Database } from '../../src/store/schema.ts';
import { describeEachBackend } from '../support/backends.ts';
import { contactsOf, freshTenant, importCsv } from './import-support.ts';

/** The existing contacts every test starts from (tags, a custom field, consent). */
const BASE = [
  'Email,First Name,Company,Tags,Custom Plan,Lead Score,Birthday,Email Opt In',
  'ann@example.com,Ann,Acme,vip,gold,10,1990-01-02,',
  'bob@example.com,Bob,,lead,,,,yes',
  'dan@example.com,Dan,Dunder,,silver,5,,',
].join('\n');

/** The import that is rolled back: updates ann and bob, creates cy and eve. */
const SECOND = [
  'Email,First Name,Company,Tags,Custom Plan,Lead Score,Birthday,Email Opt In',
  'ann@example.com,Annie,Acme Corp,east,platinum,20,1991-03-04,yes',
  'bob@example.com,Bobby,Beta,,bronze,7,,',
  'cy@example.com,Cy,Corp,west,free,1,,yes',
  'eve@example.com,Eve,,,,,,',
  'dan@example.com,Dan,Dunder,,silver,5,,',
].join('\n');

const SECOND_REQUEST: ImportRequest = {
  merge: { strategy: 'update', importConsent: true, fields: { tags: 'append' } },
  tags: ['webinar', 'q4'],
  segment: 'Webinar Q4',
};

type Row = Record<string, unknown>;

/** A contact row without what every write changes (version, updated_at). */
function comparable(row: Row): Row {
  const { version: _v, updated_at: _u, ...rest } = row;
  return rest;
}

async function rows(db: Kysely<Database>, tenantId: string): Promise<Row[]> {
  return (await contactsOf(db, tenantId)).map((r) => ({ ...r }));
}

async function setUp(db: Kysely<Database>, tenantId: string) {
  await importCsv(db, tenantId, BASE, { merge: { strategy: 'update', importConsent: true } });
  const before = await rows(db, tenantId);
  const second = await importCsv(db, tenantId, SECOND, SECOND_REQUEST, 'second.csv');
  return { before, jobId: second.jobId! };
}

async function eventsOf(db: Kysely<Database>, tenantId: string, importId: string) {
  return db
    .selectFrom('import_events')
    .select(['contact_id', 'kind', 'undone', 'undone_at'])
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .orderBy('seq')
    .execute();
}

async function contactByEmail(db: Kysely<Database>, tenantId: string, email: string) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describeEachBackend('import rollback', (getDb) => {
  it('restores updated contacts exactly and deletes the created ones', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const { before, jobId } = await setUp(db, tenantId);
    expect(before.find((r) => r['email'] === 'ann@example.com')).toMatchObject({
      tags: ['vip'],
      custom: { plan: 'gold' },
      lead_score: 10,
      email_consent_status: 'unknown',
    });
    expect(before.find((r) => r['email'] === 'bob@example.com')).toMatchObject({
      email_consent_status: 'opted_in',
    });

    // The import did change what the rollback must undo.
    const ann = await contactByEmail(db, tenantId, 'ann@example.com');
    expect([ann.first_name, ann.company, ann.lead_score, ann.birthday]).toEqual([
      'Annie',
      'Acme Corp',
      20,
      '1991-03-04',
    ]);
    expect(ann.tags).toEqual(['vip', 'east', 'webinar', 'q4']);
    expect(ann.custom).toEqual({ plan: 'platinum' });
    expect(ann.email_consent_status).toBe('opted_in');
    expect(ann.email_consent_source).toBe(`import:${jobId}`);
    const bob = await contactByEmail(db, tenantId, 'bob@example.com');
    expect(bob.custom).toEqual({ plan: 'bronze' });
    expect((await rows(db, tenantId)).length).toBe(5);

    const result = await rollbackImport(db, tenantId, jobId, {
      actor: { type: 'user', id: 'ann-admin' },
    });
    expect(result).toMatchObject({ jobId, status: 'rolled_back', changed: true });
    expect(result.summary).toMatchObject({
      deleted: 2,
      restored: 3,
      conflicts: 0,
      gone: 0,
      conflictContactIds: [],
      tagsRemoved: ['webinar', 'q4'],
      segmentDeleted: true,
      forced: false,
    });
    expect(result.summary.segment).toMatchObject({
      name: 'Webinar Q4',
      createdByImport: true,
      deleted: true,
      remainingMembers: 0,
    });

    // Every column of every contact is what it was before the import (version and updated_at
    // move on: the restore is a write).
    const after = await rows(db, tenantId);
    expect(after.map(comparable)).toEqual(before.map(comparable));
    const versions = new Map(before.map((r) => [r['id'], r['version']]));
    // One write by the import (dan too: the import's tags), one by the rollback.
    for (const r of after) expect(r['version']).toBe(Number(versions.get(r['id'])) + 2);

    const job = await getImport(db, tenantId, jobId);
    expect(job.status).toBe('rolled_back');
    expect(job.rolled_back_at).toBeInstanceOf(Date);
    expect(job.rollback).toEqual(result.summary);
    expect((await eventsOf(db, tenantId, jobId)).map((e) => e.undone)).toEqual([
      'reverted',
      'reverted',
      'reverted',
      'reverted',
      'reverted',
    ]);
    const segments = await db
      .selectFrom('segments')
      .select('name')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(segments).toEqual([]);
    const audit = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_type: 'user',
      actor_id: 'ann-admin',
      action: 'import.rollback',
      target_type: 'import',
      target_id: jobId,
    });
    expect(audit[0]!.details).toMatchObject({ deleted: 2, restored: 3 });
  });

  it('previews what it will do, conflicts included', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const { jobId } = await setUp(db, tenantId);
    const preview = await previewRollback(db, tenantId, jobId);
    expect(preview).toMatchObject({
      jobId,
      fileName: 'second.csv',
      status: 'completed',
      toDelete: 2,
      toRestore: 3,
      conflicts: 0,
      gone: 0,
      tags: ['webinar', 'q4'],
      nothingToDo: false,
    });
    expect(preview.segment).toMatchObject({
      name: 'Webinar Q4',
      action: 'delete',
      members: 5,
      otherMembers: 0,
    });

    const ann = await contactByEmail(db, tenantId, 'ann@example.com');
    await updateContacts(db, tenantId, [{ id: ann.id, set: { city: 'Oslo' }, versionBump: 1 }]);
    const eve = await contactByEmail(db, tenantId, 'eve@example.com');
    await deleteContacts(db, tenantId, [eve.id]);
    const withConflict = await previewRollback(db, tenantId, jobId);
    expect(withConflict).toMatchObject({ toDelete: 1, toRestore: 2, conflicts: 1, gone: 1 });
    expect(withConflict.segment).toMatchObject({
      action: 'remove_members',
      members: 3,
      otherMembers: 1,
    });
    const forced = await previewRollback(db, tenantId, jobId, { force: true });
    expect(forced).toMatchObject({ toDelete: 1, toRestore: 3, conflicts: 0, gone: 1 });
    expect(forced.segment).toMatchObject({ action: 'delete' });
    // A preview writes nothing.
    expect((await getImport(db, tenantId, jobId)).status).toBe('completed');
    expect((await eventsOf(db, tenantId, jobId)).every((e) => e.undone === null)).toBe(true);
  });

  it('leaves a contact edited after the import as it is, and --force restores it', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const { before, jobId } = await setUp(db, tenantId);
    const ann = await contactByEmail(db, tenantId, 'ann@example.com');
    const cy = await contactByEmail(db, tenantId, 'cy@example.com');
    await updateContacts(db, tenantId, [
      { id: ann.id, set: { city: 'Oslo' }, versionBump: 1 },
      { id: cy.id, set: { job_title: 'CTO' }, versionBump: 1 },
    ]);
    const annEdited = await contactByEmail(db, tenantId, 'ann@example.com');
    const cyEdited = await contactByEmail(db, tenantId, 'cy@example.com');

    const first = await rollbackImport(db, tenantId, jobId);
    expect(first.summary).toMatchObject({
      deleted: 1,
      restored: 2,
      conflicts: 2,
      segmentDeleted: false,
      forced: false,
    });
    expect([...first.summary.conflictContactIds].sort()).toEqual([ann.id, cy.id].sort());
    // Left exactly as they were, and still in the segment.
    expect(await contactByEmail(db, tenantId, 'ann@example.com')).toEqual(annEdited);
    expect(await contactByEmail(db, tenantId, 'cy@example.com')).toEqual(cyEdited);
    expect(first.summary.segment).toMatchObject({ deleted: false, remainingMembers: 2 });
    const events = await eventsOf(db, tenantId, jobId);
    expect(
      events
        .filter((e) => e.undone === 'conflict')
        .map((e) => e.contact_id)
        .sort(),
    ).toEqual([ann.id, cy.id].sort());

    // Without --force a second run changes nothing.
    const again = await rollbackImport(db, tenantId, jobId);
    expect(again.changed).toBe(false);
    expect(again.summary).toEqual(first.summary);
    expect(await contactByEmail(db, tenantId, 'ann@example.com')).toEqual(annEdited);

    const forced = await rollbackImport(db, tenantId, jobId, { force: true });
    expect(forced.changed).toBe(true);
    expect(forced.summary).toMatchObject({
      deleted: 2,
      restored: 3,
      conflicts: 0,
      conflictContactIds: [],
      segmentDeleted: true,
      forced: true,
    });
    // ann gets her pre-import values back; the city edited after the import is not something
    // the import changed, so it stays.
    const after = await rows(db, tenantId);
    const expected = before.map((r) =>
      r['email'] === 'ann@example.com' ? { ...r, city: 'Oslo' } : r,
    );
    expect(after.map(comparable)).toEqual(expected.map(comparable));
    expect((await getImport(db, tenantId, jobId)).status).toBe('rolled_back');
  });

  it('does nothing the second time', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const { jobId } = await setUp(db, tenantId);
    const first = await rollbackImport(db, tenantId, jobId);
    const state = await rows(db, tenantId);
    const job = await getImport(db, tenantId, jobId);
    const second = await rollbackImport(db, tenantId, jobId);
    expect(second).toEqual({ ...first, changed: false });
    expect(await rows(db, tenantId)).toEqual(state);
    expect(await getImport(db, tenantId, jobId)).toEqual(job);
    // --force with no conflicts left has nothing to do either.
    expect((await rollbackImport(db, tenantId, jobId, { force: true })).changed).toBe(false);
    const audits = await db
      .selectFrom('audit_events')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(audits).toHaveLength(1);
    expect(await previewRollback(db, tenantId, jobId)).toMatchObject({ nothingToDo: true });
  });

  it('resumes an interrupted rollback and ends where an uninterrupted one does', async () => {
    const db = getDb();
    const reference = await freshTenant(db);
    const ref = await setUp(db, reference);
    const refResult = await rollbackImport(db, reference, ref.jobId, { chunkSize: 2 });

    const tenantId = await freshTenant(db);
    const { before, jobId } = await setUp(db, tenantId);
    const stopAfterFirst: RollbackOptions = {
      chunkSize: 2,
      afterChunk: () => {
        throw new Error('interrupted');
      },
    };
    await expect(rollbackImport(db, tenantId, jobId, stopAfterFirst)).rejects.toThrow(
      'interrupted',
    );
    expect((await getImport(db, tenantId, jobId)).status).toBe('rolling_back');
    const marks = (await eventsOf(db, tenantId, jobId)).map((e) => e.undone);
    expect(marks.filter((m) => m === 'reverted')).toHaveLength(2);
    expect(marks.filter((m) => m === null)).toHaveLength(3);
    const preview = await previewRollback(db, tenantId, jobId);
    expect(preview.toDelete + preview.toRestore).toBe(3);

    const chunks: number[] = [];
    const resumed = await rollbackImport(db, tenantId, jobId, {
      chunkSize: 2,
      afterChunk: (p) => void chunks.push(p.contacts),
    });
    expect(chunks).toEqual([2, 3]);
    expect(resumed.changed).toBe(true);
    const { segment: refSegment, ...refRest } = refResult.summary;
    const { segment, ...rest } = resumed.summary;
    expect(rest).toEqual(refRest);
    expect({ ...segment, id: '' }).toEqual({ ...refSegment, id: '' });
    expect((await rows(db, tenantId)).map(comparable)).toEqual(before.map(comparable));
    expect((await eventsOf(db, tenantId, jobId)).every((e) => e.undone === 'reverted')).toBe(true);
  });

  it('reports contacts deleted meanwhile as gone', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const { jobId } = await setUp(db, tenantId);
    const bob = await contactByEmail(db, tenantId, 'bob@example.com');
    await deleteContacts(db, tenantId, [bob.id]);
    const result = await rollbackImport(db, tenantId, jobId);
    expect(result.summary).toMatchObject({ deleted: 2, restored: 2, gone: 1, conflicts: 0 });
    const marks = await eventsOf(db, tenantId, jobId);
    expect(marks.find((e) => e.contact_id === bob.id)?.undone).toBe('gone');
  });

  it("keeps a segment that holds other imports' contacts, and deletes it when they go", async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const one = await importCsv(db, tenantId, 'Email\nann@example.com\n', { segment: 'Leads' });
    const two = await importCsv(db, tenantId, 'Email\nbob@example.com\n', { segment: 'Leads' });
    const first = await rollbackImport(db, tenantId, one.jobId!);
    expect(first.summary).toMatchObject({ deleted: 1, segmentDeleted: false });
    expect(first.summary.segment).toMatchObject({
      name: 'Leads',
      createdByImport: true,
      deleted: false,
      remainingMembers: 1,
    });
    // The segment's creator is rolled back, so the last import's rollback removes it.
    const second = await rollbackImport(db, tenantId, two.jobId!);
    expect(second.summary).toMatchObject({ deleted: 1, segmentDeleted: true });
    expect(second.summary.segment).toMatchObject({ createdByImport: false, deleted: true });
    const segments = await db
      .selectFrom('segments')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(segments).toEqual([]);
  });

  it('only leaves a segment that existed before the import', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const { id: segmentId } = await db
      .insertInto('segments')
      .values({ tenant_id: tenantId, name: 'Customers' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const job = await importCsv(db, tenantId, 'Email\nann@example.com\n', { segment: 'Customers' });
    const result = await rollbackImport(db, tenantId, job.jobId!);
    expect(result.summary.segment).toEqual({
      id: segmentId,
      name: 'Customers',
      createdByImport: false,
      deleted: false,
      remainingMembers: 0,
    });
    const members = await db
      .selectFrom('segment_members')
      .select('contact_id')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(members).toEqual([]);
  });

  it('keeps tenants apart and refuses imports that are not finished', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const other = await freshTenant(db);
    const { jobId } = await setUp(db, tenantId);
    const state = await rows(db, tenantId);
    // One at a time: a second promise started early would reject while the first is awaited,
    // unhandled for that moment.
    for (const start of [
      () => rollbackImport(db, other, jobId),
      () => previewRollback(db, other, jobId),
    ]) {
      expect(isRosterError(await rejection(start()), 'NOT_FOUND')).toBe(true);
    }
    expect(await rows(db, tenantId)).toEqual(state);
    expect((await getImport(db, tenantId, jobId)).status).toBe('completed');

    const source = bytesSource('queued.csv', Buffer.from('Email\nzed@example.com\n'));
    const { job } = await createImportJob(db, tenantId, source, 'memory:queued.csv', {}, 'test');
    const err = await rejection(rollbackImport(db, tenantId, job.id));
    expect(isRosterError(err, 'JOB_STATE')).toBe(true);
    expect(isRosterError(await rejection(previewRollback(db, tenantId, job.id)), 'JOB_STATE')).toBe(
      true,
    );
    expect((await getImport(db, tenantId, job.id)).status).toBe('queued');
  });
});
