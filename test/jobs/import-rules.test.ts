/**
 * The import rules, one test each, through real imports into the database: duplicate
 * strategies, per-field strategies, blanks, consent, the journal, dry-run counts, tags and
 * segments, re-importing the error report, and tenant isolation.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/model/byte-source.ts';
import { fileSource } from '../../src/files/file-source.ts';
import { createImportJob } from '../../src/jobs/create-import.ts';
import { writeErrorReport } from '../../src/jobs/error-report.ts';
import { planImport, type ImportRequest } from '../../src/jobs/plan-import.ts';
import { dryRunImport, runImport } from '../../src/jobs/run-import.ts';
import { getImport } from '../../src/store/imports.ts';
import { describeEachBackend } from '../support/backends.ts';
import {
  contactByEmail,
  contactsOf,
  dryRunCsv,
  eventsOf,
  freshTenant,
  importCsv,
  issuesOf,
} from './import-support.ts';

const csv = (...lines: string[]): string => `${lines.join('\n')}\n`;

/**
 * The spec's example file (PenguinMails, "Recommended Columns"): imported first, so the
 * database holds John and Jane. John's `555-1234` is not a phone number, so he has none.
 */
const SPEC_FILE = csv(
  'email,first_name,last_name,company,phone,tags,custom_field_industry',
  'john@example.com,John,Doe,Acme Inc,555-1234,customer|vip,SaaS',
  'jane@example.com,Jane,Smith,Tech Corp,555-5678,lead,Technology',
);

/**
 * The same people again (the spec's "When duplicate email found"): John with a new first name
 * and company, a phone at last, a new tag, blank last name and industry; Jane as she is; and
 * one new contact.
 */
const SPEC_AGAIN = csv(
  'email,first_name,last_name,company,phone,tags,custom_field_industry',
  'john@example.com,Johnny,,Acme Corporation,+1 415 555 2671,partner,',
  'jane@example.com,Jane,Smith,Tech Corp,,lead,Technology',
  'max@example.com,Max,Muster,Beta GmbH,,,Retail',
);

const johnOf = (c: {
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  phone: string | null;
  tags: string[];
  custom: Record<string, unknown>;
}) => [c.first_name, c.last_name, c.company, c.phone, c.tags, c.custom['industry']];

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'roster-import-rules-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describeEachBackend('import rules', (getDb) => {
  it('update, merge, skip and create on the spec example store exactly the expected values', async () => {
    const db = getDb();
    const expected = {
      update: {
        john: [
          'Johnny',
          'Doe',
          'Acme Corporation',
          '+14155552671',
          ['customer', 'vip', 'partner'],
          'SaaS',
        ],
        counters: { created: 1, updated: 1, unchanged: 1, skipped: 0 },
      },
      merge: {
        john: ['John', 'Doe', 'Acme Inc', '+14155552671', ['customer', 'vip', 'partner'], 'SaaS'],
        counters: { created: 1, updated: 1, unchanged: 1, skipped: 0 },
      },
      skip: {
        john: ['John', 'Doe', 'Acme Inc', null, ['customer', 'vip'], 'SaaS'],
        counters: { created: 1, updated: 0, unchanged: 0, skipped: 2 },
      },
    } as const;
    for (const strategy of ['update', 'merge', 'skip'] as const) {
      const tenantId = await freshTenant(db);
      const first = await importCsv(db, tenantId, SPEC_FILE);
      expect(first.counters).toMatchObject({ created: 2, rejected: 0 });
      expect(first.counters.issueCounts['invalid_phone']).toBe(2);
      const second = await importCsv(db, tenantId, SPEC_AGAIN, { merge: { strategy } });
      expect(second.counters, strategy).toMatchObject(expected[strategy].counters);
      const john = await contactByEmail(db, tenantId, 'john@example.com');
      expect(johnOf(john), strategy).toEqual(expected[strategy].john);
      const jane = await contactByEmail(db, tenantId, 'jane@example.com');
      expect(johnOf(jane), strategy).toEqual([
        'Jane',
        'Smith',
        'Tech Corp',
        null,
        ['lead'],
        'Technology',
      ]);
      const max = await contactByEmail(db, tenantId, 'max@example.com');
      expect(johnOf(max)).toEqual(['Max', 'Muster', 'Beta GmbH', null, [], 'Retail']);
      expect(max.source).toBe(`import:${second.jobId}`);
      // An existing contact keeps the source of the import that created it.
      expect(john.source).toBe(`import:${first.jobId}`);
      expect((await contactsOf(db, tenantId)).length).toBe(3);
    }

    // create: a second John and a second Jane next to the first ones, from the row alone.
    const tenantId = await freshTenant(db);
    await importCsv(db, tenantId, SPEC_FILE);
    const created = await importCsv(db, tenantId, SPEC_AGAIN, { merge: { strategy: 'create' } });
    expect(created.counters).toMatchObject({ created: 3, updated: 0, unchanged: 0, skipped: 0 });
    const johns = (await contactsOf(db, tenantId)).filter((c) => c.email === 'john@example.com');
    expect(johns.map(johnOf).sort()).toEqual(
      [
        ['John', 'Doe', 'Acme Inc', null, ['customer', 'vip'], 'SaaS'],
        ['Johnny', null, 'Acme Corporation', '+14155552671', ['partner'], undefined],
      ].sort(),
    );
    expect((await contactsOf(db, tenantId)).length).toBe(5);
  });

  it('keep_existing, update_if_blank and always_update override the duplicate strategy', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      csv('email,first_name,company,job_title,city', 'ann@example.com,Ann,Acme,,Berlin'),
    );
    const fields = {
      company: 'keep_existing',
      first_name: 'update_if_blank',
      job_title: 'update_if_blank',
      city: 'always_update',
    } as const;
    await importCsv(
      db,
      tenantId,
      csv('email,first_name,company,job_title,city', 'ann@example.com,Annie,Beta,CTO,Paris'),
      { merge: { strategy: 'update', fields } },
    );
    const ann = await contactByEmail(db, tenantId, 'ann@example.com');
    expect([ann.first_name, ann.company, ann.job_title, ann.city]).toEqual([
      'Ann',
      'Acme',
      'CTO',
      'Paris',
    ]);
    // always_update wins over `merge` (fill blanks only) too.
    await importCsv(db, tenantId, csv('email,company,city', 'ann@example.com,Gamma,Rome'), {
      merge: { strategy: 'merge', fields: { company: 'always_update' } },
    });
    const again = await contactByEmail(db, tenantId, 'ann@example.com');
    expect([again.company, again.city]).toEqual(['Gamma', 'Paris']);
  });

  it('append unions tags (stored order first, case-insensitive), also with update', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(db, tenantId, csv('email,tags', 'ann@example.com,customer|VIP'));
    await importCsv(db, tenantId, csv('email,tags', 'ann@example.com,vip|partner'), {
      merge: { strategy: 'update' },
    });
    expect((await contactByEmail(db, tenantId, 'ann@example.com')).tags).toEqual([
      'customer',
      'VIP',
      'partner',
    ]);
    await importCsv(db, tenantId, csv('email,tags', 'ann@example.com,lead'), {
      merge: { strategy: 'merge', fields: { tags: 'append' } },
    });
    expect((await contactByEmail(db, tenantId, 'ann@example.com')).tags).toEqual([
      'customer',
      'VIP',
      'partner',
      'lead',
    ]);
  });

  it('update_if_newer compares the row timestamp with the stored one', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      csv(
        'email,city,last_activity_at',
        'old@example.com,Berlin,2025-01-01T00:00:00Z',
        'new@example.com,Berlin,2025-06-01T00:00:00Z',
        'never@example.com,Berlin,',
        'notime@example.com,Berlin,2025-01-01T00:00:00Z',
      ),
    );
    const request: ImportRequest = {
      merge: {
        strategy: 'update',
        fields: { city: 'update_if_newer', last_activity_at: 'update_if_newer' },
        newer: { rowField: 'last_activity_at', existingField: 'last_activity_at' },
      },
    };
    const summary = await importCsv(
      db,
      tenantId,
      csv(
        'email,city,last_activity_at',
        'old@example.com,Paris,2025-03-01T00:00:00Z',
        'new@example.com,Paris,2025-03-01T00:00:00Z',
        'never@example.com,Paris,2025-03-01T00:00:00Z',
        'notime@example.com,Paris,',
      ),
      request,
    );
    const cityAndTime = async (email: string) => {
      const c = await contactByEmail(db, tenantId, email);
      return [c.city, c.last_activity_at?.toISOString() ?? null];
    };
    expect(await cityAndTime('old@example.com')).toEqual(['Paris', '2025-03-01T00:00:00.000Z']);
    expect(await cityAndTime('new@example.com')).toEqual(['Berlin', '2025-06-01T00:00:00.000Z']);
    // A contact that never recorded the timestamp is older than any row that has one.
    expect(await cityAndTime('never@example.com')).toEqual(['Paris', '2025-03-01T00:00:00.000Z']);
    // A row without a timestamp cannot be compared: kept, and reported.
    expect(await cityAndTime('notime@example.com')).toEqual(['Berlin', '2025-01-01T00:00:00.000Z']);
    const issues = await issuesOf(db, tenantId, summary.jobId!);
    // Only the city: the blank timestamp cell would not have been applied anyway.
    expect(issues).toEqual([
      { row_number: 5, field: 'city', code: 'merge_newer_unknown', severity: 'warning' },
    ]);
    expect(summary.counters).toMatchObject({ updated: 2, unchanged: 2 });
  });

  it('keep_higher keeps the higher lead score; a blank stored score is filled', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      csv('email,lead_score', 'a@example.com,50', 'b@example.com,50', 'c@example.com,'),
    );
    await importCsv(
      db,
      tenantId,
      csv('email,lead_score', 'a@example.com,40', 'b@example.com,80', 'c@example.com,30'),
      { merge: { strategy: 'update', fields: { lead_score: 'keep_higher' } } },
    );
    const scores = (await contactsOf(db, tenantId)).map((c) => [c.email, c.lead_score]);
    expect(scores).toEqual([
      ['a@example.com', 50],
      ['b@example.com', 80],
      ['c@example.com', 30],
    ]);
  });

  it('custom:* sets the strategy of every custom field without its own override', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const header = 'email,company,custom_industry,custom_region_code,custom_plan';
    await importCsv(db, tenantId, csv(header, 'ann@example.com,Acme,SaaS,EU,Free'));
    await importCsv(db, tenantId, csv(header, 'ann@example.com,Beta,Retail,US,Pro'), {
      merge: {
        strategy: 'update',
        fields: { 'custom:*': 'keep_existing', 'custom:plan': 'always_update' },
      },
    });
    const ann = await contactByEmail(db, tenantId, 'ann@example.com');
    expect(ann.company).toBe('Beta');
    expect(ann.custom).toEqual({ industry: 'SaaS', region_code: 'EU', plan: 'Pro' });
  });

  it('a blank cell never clears a value unless clearBlanks; unmapped fields are never touched', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      csv('email,company,city,notes', 'ann@example.com,Acme,Berlin,call back'),
    );
    // Blank company; no city column; notes column skipped by the mapping.
    const again = csv('email,company,notes', 'ann@example.com,,ignored note');
    const kept = await importCsv(db, tenantId, again, {
      merge: { strategy: 'update' },
      map: { notes: null },
    });
    expect(kept.counters).toMatchObject({ unchanged: 1, updated: 0 });
    let ann = await contactByEmail(db, tenantId, 'ann@example.com');
    expect([ann.company, ann.city, ann.notes, ann.version]).toEqual([
      'Acme',
      'Berlin',
      'call back',
      1,
    ]);
    // merge never overwrites, so clearBlanks does nothing there either.
    await importCsv(db, tenantId, again, {
      merge: { strategy: 'merge', clearBlanks: true },
      map: { notes: null },
    });
    ann = await contactByEmail(db, tenantId, 'ann@example.com');
    expect(ann.company).toBe('Acme');
    const cleared = await importCsv(db, tenantId, again, {
      merge: { strategy: 'update', clearBlanks: true },
      map: { notes: null },
    });
    expect(cleared.counters).toMatchObject({ updated: 1 });
    ann = await contactByEmail(db, tenantId, 'ann@example.com');
    expect([ann.company, ann.city, ann.notes]).toEqual([null, 'Berlin', 'call back']);
  });

  it('consent columns are ignored unless importConsent', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const file = csv(
      'email,email_opt_in,sms_opt_in',
      'ann@example.com,yes,no',
      'bob@example.com,no,yes',
    );
    await importCsv(db, tenantId, file);
    const consent = async () =>
      (await contactsOf(db, tenantId)).map((c) => [
        c.email,
        c.email_consent_status,
        c.sms_consent_status,
      ]);
    expect(await consent()).toEqual([
      ['ann@example.com', 'unknown', 'unknown'],
      ['bob@example.com', 'unknown', 'unknown'],
    ]);
    // An update without importConsent leaves them alone as well.
    const again = await importCsv(db, tenantId, file, { merge: { strategy: 'update' } });
    expect(again.counters).toMatchObject({ unchanged: 2, updated: 0 });
    expect(await consent()).toEqual([
      ['ann@example.com', 'unknown', 'unknown'],
      ['bob@example.com', 'unknown', 'unknown'],
    ]);
  });

  it('importConsent: opted_out is never turned opted_in; an opt-out is applied with its source', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const first = await importCsv(
      db,
      tenantId,
      csv('email,email_opt_in', 'in@example.com,yes', 'out@example.com,no'),
      { merge: { strategy: 'update', importConsent: true } },
    );
    let inC = await contactByEmail(db, tenantId, 'in@example.com');
    let outC = await contactByEmail(db, tenantId, 'out@example.com');
    expect([inC.email_consent_status, inC.email_consent_source]).toEqual([
      'opted_in',
      `import:${first.jobId}`,
    ]);
    expect([outC.email_consent_status, outC.email_consent_source]).toEqual([
      'opted_out',
      `import:${first.jobId}`,
    ]);
    expect(inC.email_consent_at).toBeInstanceOf(Date);
    expect(inC.sms_consent_status).toBe('unknown');

    const second = await importCsv(
      db,
      tenantId,
      csv('email,email_opt_in', 'in@example.com,no', 'out@example.com,yes'),
      { merge: { strategy: 'update', importConsent: true } },
    );
    inC = await contactByEmail(db, tenantId, 'in@example.com');
    outC = await contactByEmail(db, tenantId, 'out@example.com');
    expect([inC.email_consent_status, inC.email_consent_source]).toEqual([
      'opted_out',
      `import:${second.jobId}`,
    ]);
    expect([outC.email_consent_status, outC.email_consent_source]).toEqual([
      'opted_out',
      `import:${first.jobId}`,
    ]);
    expect(second.counters).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await issuesOf(db, tenantId, second.jobId!)).toEqual([
      { row_number: 3, field: 'email_opt_in', code: 'consent_not_upgraded', severity: 'warning' },
    ]);
    const [event] = await eventsOf(db, tenantId, second.jobId!);
    expect(event).toMatchObject({ row_number: 2, kind: 'updated', contact_id: inC.id });
    expect(event!.before).toMatchObject({
      email_consent: 'opted_in',
      email_consent_source: `import:${first.jobId}`,
    });
    expect(event!.after).toMatchObject({
      email_consent: 'opted_out',
      email_consent_source: `import:${second.jobId}`,
    });
  });

  it('the journal of an update holds exactly the changed fields; the version goes up', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const first = await importCsv(
      db,
      tenantId,
      csv('email,first_name,company,city,tags', 'ann@example.com,Ann,Acme,Berlin,vip'),
    );
    const created = await contactByEmail(db, tenantId, 'ann@example.com');
    expect(created.version).toBe(1);
    const [createdEvent] = await eventsOf(db, tenantId, first.jobId!);
    expect(createdEvent).toMatchObject({ kind: 'created', before: null, contact_version: 1 });
    expect(createdEvent!.after).toMatchObject({
      email: 'ann@example.com',
      first_name: 'Ann',
      company: 'Acme',
      city: 'Berlin',
      tags: ['vip'],
    });

    const second = await importCsv(
      db,
      tenantId,
      csv(
        'email,first_name,company,city,tags',
        'ann@example.com,Ann,Beta,Berlin,vip|east',
        'ann@example.com,Ann,Beta,Berlin,vip|east',
      ),
      { merge: { strategy: 'update' } },
    );
    expect(second.counters).toMatchObject({ updated: 1, duplicatesInFile: 1 });
    const events = await eventsOf(db, tenantId, second.jobId!);
    expect(events.map((e) => [e.seq, e.row_number, e.kind, e.contact_version])).toEqual([
      [0, 2, 'updated', 2],
    ]);
    expect(events[0]!.contact_id).toBe(created.id);
    expect(events[0]!.before).toEqual({ company: 'Acme', tags: ['vip'] });
    expect(events[0]!.after).toEqual({ company: 'Beta', tags: ['vip', 'east'] });
    const updated = await contactByEmail(db, tenantId, 'ann@example.com');
    expect(updated.version).toBe(2);

    // Nothing to change: no event, no new version.
    const third = await importCsv(
      db,
      tenantId,
      csv('email,first_name,company', 'ann@example.com,Ann,Beta'),
      { merge: { strategy: 'update' } },
    );
    expect(third.counters).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await eventsOf(db, tenantId, third.jobId!)).toEqual([]);
    expect((await contactByEmail(db, tenantId, 'ann@example.com')).version).toBe(2);
  });

  it('a dry run counts exactly what the real run then does', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      csv('email,first_name,company', 'same@example.com,Sam,Acme', 'change@example.com,Cy,Acme'),
    );
    const file = csv(
      'email,first_name,company,phone,lead_score',
      'same@example.com,Sam,Acme,,',
      'change@example.com,Cy,Beta,,',
      'new@example.com,Nia,Gamma,+1 415 555 2671,10',
      'not-an-email,Bad,Row,,',
      'NEW@example.com,Nia again,Gamma,,',
      'warn@example.com,Wes,Delta,12,abc',
      ',No,Identity,,',
      'info@example.com,Team,Epsilon,,',
      '',
    );
    const request: ImportRequest = { merge: { strategy: 'update' }, batchSize: 3 };
    const source = bytesSource('mixed.csv', Buffer.from(file));
    const { options } = await planImport(db, tenantId, source, request);
    const dry = await dryRunImport({ db, tenantId, source }, options);
    expect(await contactsOf(db, tenantId)).toHaveLength(2);
    const real = await importCsv(db, tenantId, file, request);
    expect(dry.counters).toEqual(real.counters);
    expect(real.counters).toMatchObject({
      rowsProcessed: 8,
      created: 3,
      updated: 1,
      unchanged: 1,
      skipped: 0,
      rejected: 2,
      duplicatesInFile: 1,
      warnings: 2,
    });
    expect(real.counters.issueCounts).toMatchObject({
      invalid_email: 1,
      missing_identity: 1,
      duplicate_in_file: 1,
      invalid_phone: 1,
      invalid_number: 1,
      role_email: 1,
      blank_row: 1,
    });
    expect(await contactsOf(db, tenantId)).toHaveLength(5);
  });

  it('--tag values are added to the row tags; the segment is created and filled', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(db, tenantId, csv('email,tags', 'old@example.com,customer'));
    const summary = await importCsv(
      db,
      tenantId,
      csv('email,tags', 'old@example.com,vip', 'new@example.com,', 'two@example.com,Webinar|lead'),
      { merge: { strategy: 'skip' }, tags: ['webinar', 'fair-2026'], segment: 'November Import' },
    );
    const tags = (await contactsOf(db, tenantId)).map((c) => [c.email, c.tags]);
    expect(tags).toEqual([
      ['new@example.com', ['webinar', 'fair-2026']],
      // skip keeps the existing contact as it is, --tag included
      ['old@example.com', ['customer']],
      ['two@example.com', ['Webinar', 'lead', 'fair-2026']],
    ]);
    const segments = await db
      .selectFrom('segments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(segments.map((s) => [s.name, s.import_id])).toEqual([
      ['November Import', summary.jobId],
    ]);
    const job = await getImport(db, tenantId, summary.jobId!);
    expect(job.segment_id).toBe(segments[0]!.id);
    const members = await db
      .selectFrom('segment_members')
      .innerJoin('contacts', (j) =>
        j
          .onRef('contacts.tenant_id', '=', 'segment_members.tenant_id')
          .onRef('contacts.id', '=', 'segment_members.contact_id'),
      )
      .select(['contacts.email', 'segment_members.import_id', 'segment_members.segment_id'])
      .where('segment_members.tenant_id', '=', tenantId)
      .orderBy('contacts.email')
      .execute();
    // Every contact the file names is a member, also the one that was skipped.
    expect(members).toEqual(
      ['new@example.com', 'old@example.com', 'two@example.com'].map((email) => ({
        email,
        import_id: summary.jobId,
        segment_id: segments[0]!.id,
      })),
    );

    // A later import into the same segment reuses it and adds its own members.
    const later = await importCsv(db, tenantId, csv('email', 'late@example.com'), {
      segment: 'November Import',
    });
    const after = await db
      .selectFrom('segment_members')
      .select(['import_id'])
      .where('tenant_id', '=', tenantId)
      .where('segment_id', '=', segments[0]!.id)
      .execute();
    expect(after.filter((m) => m.import_id === later.jobId)).toHaveLength(1);
    expect(after).toHaveLength(4);
    const segmentCount = await db
      .selectFrom('segments')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(segmentCount).toHaveLength(1);
  });

  it('the error report, fixed and imported, creates the fixed rows with the original mapping', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    // Two choices made by hand, which suggestions alone would not repeat: Firma is the
    // department here, and the internal Notiz column is not imported.
    const original = csv(
      'E-mail,Vorname,Firma,Score,Notiz',
      'ok@example.com,Olga,Sales,10,internal',
      'bad-at-example.com,Bert,Support,20,internal',
      'score@example.com,Sara,Legal,lots,internal',
      'also bad,Alex,IT,30,internal',
    );
    const request: ImportRequest = { map: { Firma: 'department', Notiz: null } };
    const path = join(scratch, `original-${tenantId}.csv`);
    await writeFile(path, original);
    const { job, options } = await createImportJob(
      db,
      tenantId,
      fileSource(path),
      `file:${path}`,
      request,
      'test',
    );
    const summary = await runImport({ db, tenantId, source: fileSource(path) }, job.id);
    expect(summary.counters).toMatchObject({ created: 2, rejected: 2, warnings: 1 });
    const mapping = Object.fromEntries(options.columns.map((c) => [c.header, c.field]));
    expect(mapping).toEqual({
      'E-mail': 'email',
      Vorname: 'first_name',
      Firma: 'department',
      Score: 'lead_score',
      Notiz: null,
    });

    const reportPath = join(scratch, `report-${tenantId}.csv`);
    const stored = await getImport(db, tenantId, job.id);
    const result = await writeErrorReport(
      db,
      tenantId,
      stored,
      fileSource(stored.storage_key.slice('file:'.length)),
      createWriteStream(reportPath),
    );
    expect(result).toEqual({ rows: 3, notShown: 0 });
    const report = await readFile(reportPath, 'utf8');
    const lines = report
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split(/\r?\n/);
    expect(lines[0]).toBe('E-mail,Vorname,Firma,Score,Notiz,row,field,code,message');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 8))).toEqual([
      ['bad-at-example.com', 'Bert', 'Support', '20', 'internal', '3', 'email', 'invalid_email'],
      [
        'score@example.com',
        'Sara',
        'Legal',
        'lots',
        'internal',
        '4',
        'lead_score',
        'invalid_number',
      ],
      ['also bad', 'Alex', 'IT', '30', 'internal', '5', 'email', 'invalid_email'],
    ]);

    const fixed = report
      .replace('bad-at-example.com', 'bert@example.com')
      .replace('lots', '99')
      .replace('also bad', 'alex@example.com');
    const fixedPath = join(scratch, `fixed-${tenantId}.csv`);
    await writeFile(fixedPath, fixed);
    // Where nothing is remembered, the fixed report maps differently: the preset matters.
    const elsewhere = await planImport(db, await freshTenant(db), fileSource(fixedPath), {});
    expect(elsewhere.options.columns.map((c) => c.field)).toContain('notes');
    const second = await createImportJob(
      db,
      tenantId,
      fileSource(fixedPath),
      `file:${fixedPath}`,
      { merge: { strategy: 'merge' } },
      'test',
    );
    expect(second.job.mapping).toEqual({
      ...mapping,
      row: null,
      field: null,
      code: null,
      message: null,
    });
    const reimport = await runImport(
      { db, tenantId, source: fileSource(fixedPath) },
      second.job.id,
    );
    expect(reimport.counters).toMatchObject({ created: 2, updated: 1, rejected: 0, warnings: 0 });
    expect(reimport.counters.issueCounts).toEqual({});
    const contacts = await contactsOf(db, tenantId);
    expect(
      contacts.map((c) => [
        c.email,
        c.first_name,
        c.company,
        c.department,
        c.lead_score,
        c.notes,
        c.custom,
      ]),
    ).toEqual([
      ['alex@example.com', 'Alex', null, 'IT', 30, null, {}],
      ['bert@example.com', 'Bert', null, 'Support', 20, null, {}],
      ['ok@example.com', 'Olga', null, 'Sales', 10, null, {}],
      ['score@example.com', 'Sara', null, 'Legal', 99, null, {}],
    ]);
    // No custom fields were made of the report's columns.
    const custom = await db
      .selectFrom('custom_fields')
      .select('key')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(custom).toEqual([]);
  });

  it('an import never matches or touches another tenant’s contacts', async () => {
    const db = getDb();
    const tenantA = await freshTenant(db);
    const tenantB = await freshTenant(db);
    await importCsv(
      db,
      tenantB,
      csv(
        'email,first_name,last_name,company,phone',
        'ann@example.com,Ann,Lee,Acme,+1 415 555 2671',
        'bob@example.com,Bob,Stone,Beta,',
      ),
    );
    const before = await contactsOf(db, tenantB);
    await importCsv(db, tenantA, csv('email,first_name,company', 'ann@example.com,Ann A,Acme'));
    const summary = await importCsv(
      db,
      tenantA,
      csv(
        'email,first_name,last_name,company,phone',
        'ann@example.com,Annie,Lee,Acme,',
        'bob@example.com,Bobby,Stone,Beta,',
        'robert@example.com,Bob,Stone,Beta,+1 415 555 2671',
      ),
      { merge: { strategy: 'update' } },
    );
    // Bob exists only in B: created in A. Robert looks like B's Bob and has B's Ann's phone,
    // but B's contacts are not candidates for possible duplicates either.
    expect(summary.counters).toMatchObject({
      created: 2,
      updated: 1,
      possibleDuplicates: 0,
    });
    expect(await contactsOf(db, tenantB)).toEqual(before);
    const a = await contactsOf(db, tenantA);
    expect(a.map((c) => [c.email, c.first_name])).toEqual([
      ['ann@example.com', 'Annie'],
      ['bob@example.com', 'Bobby'],
      ['robert@example.com', 'Bob'],
    ]);
    // The same row in B itself is a possible duplicate of B's Bob: the check above means something.
    const inB = await dryRunCsv(
      db,
      tenantB,
      csv('email,first_name,last_name,company,phone', 'robert@example.com,Bob,Stone,Beta,'),
    );
    expect(inB.counters.possibleDuplicates).toBe(1);
    await expect(getImport(db, tenantB, summary.jobId!)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await getImport(db, tenantA, summary.jobId!)).id).toBe(summary.jobId);
  });
});
