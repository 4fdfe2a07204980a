import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/backends.ts';
import { contactsOf, dryRunCsv, freshTenant, importCsv } from './import-support.ts';

describeEachBackend('import: write path', (getDb) => {
  it('creates contacts with the journal, issues and counters', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const csv = [
      'Email,First Name,Company,Phone,Tags',
      'ann@example.com,Ann,Acme,+1 415 555 2671,vip|east',
      'bad-email,Bob,Beta,,',
      'ANN@example.com,Ann2,,,',
      'cy@example.com,Cy,Corp,12,',
    ].join('\n');
    const summary = await importCsv(db, tenantId, csv, { tags: ['imported'] });
    expect(summary.status).toBe('completed');
    expect(summary.counters).toMatchObject({
      rowsProcessed: 4,
      created: 2,
      rejected: 1,
      duplicatesInFile: 1,
      updated: 0,
    });
    const contacts = await contactsOf(db, tenantId);
    expect(contacts.map((c) => [c.email, c.first_name, c.phone, c.tags])).toEqual([
      ['ann@example.com', 'Ann', '+14155552671', ['vip', 'east', 'imported']],
      ['cy@example.com', 'Cy', null, ['imported']],
    ]);
    expect(contacts[0]!.source).toBe(`import:${summary.jobId}`);
    const events = await db
      .selectFrom('import_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('seq')
      .execute();
    expect(events.map((e) => [e.seq, e.row_number, e.kind])).toEqual([
      [0, 2, 'created'],
      [1, 5, 'created'],
    ]);
    const issues = await db
      .selectFrom('import_issues')
      .select(['row_number', 'code', 'severity'])
      .where('tenant_id', '=', tenantId)
      .orderBy('row_number')
      .execute();
    expect(issues.map((i) => i.code)).toContain('duplicate_in_file');
    expect(issues.filter((i) => i.row_number === 3).map((i) => i.severity)).toContain('error');
  });

  it('updates, merges or skips on the second import, and dry run counts match', async () => {
    const db = getDb();
    for (const strategy of ['update', 'merge', 'skip'] as const) {
      const tenantId = await freshTenant(db);
      await importCsv(db, tenantId, 'Email,First Name,Company\nann@example.com,Ann,\n');
      const second =
        'Email,First Name,Company\nann@example.com,Annie,Acme\nnew@example.com,New,N\n';
      const dry = await dryRunCsv(db, tenantId, second, { merge: { strategy } });
      const real = await importCsv(db, tenantId, second, { merge: { strategy } });
      expect(dry.counters).toEqual(real.counters);
      const [ann] = await contactsOf(db, tenantId);
      if (strategy === 'update') expect([ann!.first_name, ann!.company]).toEqual(['Annie', 'Acme']);
      if (strategy === 'merge') expect([ann!.first_name, ann!.company]).toEqual(['Ann', 'Acme']);
      if (strategy === 'skip') expect([ann!.first_name, ann!.company]).toEqual(['Ann', null]);
      expect(real.counters.created).toBe(1);
    }
  });
});

describeEachBackend('import: possible duplicates', (getDb) => {
  it('lists a similar name + company or the same phone for review, and merges only when asked', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      'Email,First Name,Last Name,Company,Phone\njon@acme.com,Jonathan,Smith,Acme Inc,+1 415 555 2671\n',
    );
    const file = [
      'Email,First Name,Last Name,Company,Phone',
      'jsmith@acme.com,Jonathan,Smith,Acme Inc.,',
      'other@x.com,Zed,Zulu,Nothing,+14155552671',
      'far@x.com,Mary,Jones,Globex,',
    ].join('\n');
    const listed = await importCsv(db, tenantId, file);
    expect(listed.counters).toMatchObject({ created: 3, possibleDuplicates: 2 });
    const notes = await db
      .selectFrom('import_issues')
      .select(['row_number', 'code', 'severity', 'value'])
      .where('tenant_id', '=', tenantId)
      .where('import_id', '=', listed.jobId!)
      .orderBy('row_number')
      .execute();
    expect(notes).toEqual([
      { row_number: 2, code: 'possible_duplicate', severity: 'info', value: 'jon@acme.com' },
      { row_number: 3, code: 'possible_duplicate', severity: 'info', value: 'jon@acme.com' },
    ]);

    const other = await freshTenant(db);
    await importCsv(
      db,
      other,
      'Email,First Name,Last Name,Company\njon@acme.com,Jonathan,Smith,Acme Inc\n',
    );
    const merged = await importCsv(
      db,
      other,
      'Email,First Name,Last Name,Company,Job Title\njsmith@acme.com,Jonathan,Smith,Acme Inc.,CTO\n',
      { merge: { strategy: 'merge' }, fuzzy: { merge: true } },
    );
    expect(merged.counters).toMatchObject({ created: 0, updated: 1 });
    const contacts = await contactsOf(db, other);
    expect(contacts.map((c) => [c.email, c.job_title])).toEqual([['jon@acme.com', 'CTO']]);
  });
});

describeEachBackend('import: a contact edited while its batch is written', (getDb) => {
  it('notices the version moved, rolls the batch back and writes it again with locks', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(db, tenantId, 'Email,First Name,City\nann@example.com,Ann,Oslo\n');
    // Ann's version moves after the import read her and before it updates her: a trigger fires
    // when the batch inserts its new contact (the insert comes before the update), once (a
    // sequence, because the batch's rollback must not undo the "once"). The edit runs inside the
    // batch's transaction, so it goes with the rollback; what this proves is that the stale
    // update is noticed (instead of overwriting a version it never read) and that the batch is
    // written again, whole, exactly once more.
    await sql`create sequence edit_once`.execute(db);
    await sql`
      create function edit_ann() returns trigger language plpgsql as $$
      begin
        if nextval('edit_once') = 1 then
          update contacts set city = 'Bergen', version = version + 1
            where tenant_id = new.tenant_id and email = 'ann@example.com';
        end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger edit_ann after insert on contacts for each row execute function edit_ann()`.execute(
      db,
    );
    try {
      const summary = await importCsv(
        db,
        tenantId,
        'Email,First Name\nann@example.com,Annie\nbob@example.com,Bob\n',
        { merge: { strategy: 'update' } },
      );
      expect(summary.counters).toMatchObject({ created: 1, updated: 1 });
      const [ann, bob] = await contactsOf(db, tenantId);
      expect([ann!.first_name, ann!.city, ann!.version]).toEqual(['Annie', 'Oslo', 2]);
      expect(bob!.first_name).toBe('Bob');
      const events = await db
        .selectFrom('import_events')
        .select(['kind', 'contact_version', 'before'])
        .where('tenant_id', '=', tenantId)
        .where('import_id', '=', summary.jobId!)
        .orderBy('seq')
        .execute();
      expect(events).toEqual([
        { kind: 'updated', contact_version: 2, before: { first_name: 'Ann' } },
        { kind: 'created', contact_version: 1, before: null },
      ]);
      // The trigger ran in the first attempt and in the second: the batch was written twice.
      const seq = await sql<{ n: number }>`select last_value::int as n from edit_once`.execute(db);
      expect(seq.rows[0]!.n).toBe(2);
      const stored = await db
        .selectFrom('imports')
        .select(['rows_created', 'rows_updated'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', summary.jobId!)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ rows_created: 1, rows_updated: 1 });
    } finally {
      await sql`drop trigger edit_ann on contacts`.execute(db);
      await sql`drop function edit_ann()`.execute(db);
      await sql`drop sequence edit_once`.execute(db);
    }
  });
});
