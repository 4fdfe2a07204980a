import { expect, it } from 'vitest';
import type { ExportContact } from '../../src/core/export/types.ts';
import { countSelection, exportPages } from '../../src/store/export-contacts.ts';
import { segmentIdByName } from '../../src/store/segments.ts';
import { describeEachBackend } from '../support/backends.ts';
import { contactByEmail, freshTenant, importCsv } from '../jobs/import-support.ts';

async function collect(pages: AsyncGenerator<ExportContact[]>): Promise<ExportContact[][]> {
  const out: ExportContact[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const byId = (a: ExportContact, b: ExportContact): number => (a.id < b.id ? -1 : 1);

describeEachBackend('export: reading contacts page by page', (getDb, ctx) => {
  it('reads every selected contact once, in id order, with values, consent and segments', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const other = await freshTenant(db);
    await importCsv(db, other, 'email\nstranger@x.com\n');
    const csv = [
      'email,first_name,phone,tags,lead_score,birthday,custom_plan,email_opt_in',
      'a@x.com,Ann,+1 415 555 2671,vip|east,10,1990-04-01,pro,yes',
      'b@x.com,Bob,,,20,,free,no',
      'c@x.com,Cy,,,30,,,',
      'd@x.com,Di,,,40,,,',
      'e@x.com,Ed,,,50,,,',
    ].join('\n');
    const summary = await importCsv(db, tenantId, csv, {
      segment: 'Webinar',
      merge: { strategy: 'update', importConsent: true },
    });
    await importCsv(db, tenantId, 'email\nf@x.com\n');

    const pages = await collect(exportPages(db, tenantId, {}, 2));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    const all = pages.flat();
    expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort());
    const ann = all.find((c) => c.fields['email'] === 'a@x.com')!;
    expect(ann.fields).toMatchObject({
      first_name: 'Ann',
      phone: '+14155552671',
      tags: ['vip', 'east'],
      lead_score: 10,
      birthday: '1990-04-01',
      source: `import:${summary.jobId}`,
      emails_sent: 0,
    });
    expect(typeof ann.fields['created_at']).toBe('string');
    expect(ann.custom).toEqual({ plan: 'pro' });
    expect(ann.consent.email.status).toBe('opted_in');
    expect(ann.consent.sms.status).toBe('unknown');
    expect(ann.segments).toEqual(['Webinar']);
    expect(all.find((c) => c.fields['email'] === 'b@x.com')!.consent.email.status).toBe(
      'opted_out',
    );
    expect(all.find((c) => c.fields['email'] === 'f@x.com')!.segments).toEqual([]);

    const segmentId = await segmentIdByName(db, tenantId, 'Webinar');
    // By name within the tenant only: the other tenant has no segment of that name.
    await expect(segmentIdByName(db, other, 'Webinar')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const inSegment = (await collect(exportPages(db, tenantId, { segmentId }))).flat();
    expect(inSegment.map((c) => c.fields['email']).sort()).toEqual([
      'a@x.com',
      'b@x.com',
      'c@x.com',
      'd@x.com',
      'e@x.com',
    ]);
    const filtered = (
      await collect(
        exportPages(db, tenantId, {
          where: { sql: 'c.lead_score > $4', params: [25] },
          ids: undefined,
        }),
      )
    ).flat();
    expect(filtered.map((c) => c.fields['email']).sort()).toEqual([
      'c@x.com',
      'd@x.com',
      'e@x.com',
    ]);
    const byIds = (await collect(exportPages(db, tenantId, { ids: [ann.id] }))).flat();
    expect(byIds.map((c) => c.id)).toEqual([ann.id]);

    const fId = all.find((c) => c.fields['email'] === 'f@x.com')!.id;
    // The count a progress bar shows is the number of contacts the same selection exports.
    expect(await countSelection(db, tenantId, {})).toBe(6);
    expect(await countSelection(db, other, {})).toBe(1);
    expect(await countSelection(db, tenantId, { segmentId })).toBe(5);
    expect(
      await countSelection(db, tenantId, { where: { sql: 'c.lead_score > $4', params: [25] } }),
    ).toBe(3);
    expect(
      await countSelection(db, tenantId, {
        where: { sql: 'c.lead_score > $4', params: [25] },
        segmentId,
        ids: [ann.id, fId],
      }),
    ).toBe(0);
    expect(await countSelection(db, tenantId, { ids: [ann.id, fId] })).toBe(2);
  });

  it('reads timestamps as the ISO text of toISOString', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(db, tenantId, 'email,email_opt_in\na@x.com,yes\nb@x.com,\n', {
      merge: { strategy: 'update', importConsent: true },
    });
    // Sub-millisecond digits are cut, as a Date does.
    await db
      .updateTable('contacts')
      .set({ last_activity_at: new Date('2025-10-01T10:00:00.123Z') })
      .where('tenant_id', '=', tenantId)
      .execute();
    const stored = await db
      .selectFrom('contacts')
      .select(['id', 'created_at', 'updated_at', 'last_activity_at', 'email_consent_at'])
      .where('tenant_id', '=', tenantId)
      .execute();
    const read = (await collect(exportPages(db, tenantId, {}, 2000, { raw: ctx.handle().raw })))
      .flat()
      .sort(byId);
    expect(read.map((c) => c.id)).toEqual(stored.map((s) => s.id).sort());
    for (const c of read) {
      const s = stored.find((x) => x.id === c.id)!;
      expect(c.fields['created_at']).toBe(s.created_at.toISOString());
      expect(c.fields['updated_at']).toBe(s.updated_at.toISOString());
      expect(c.fields['last_activity_at']).toBe('2025-10-01T10:00:00.123Z');
      expect(c.consent.email.at).toBe(s.email_consent_at?.toISOString() ?? null);
    }
    expect(read.filter((c) => c.consent.email.at !== null)).toHaveLength(1);
  });

  it('reads the same contacts and values from a snapshot as in keyset pages', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const other = await freshTenant(db);
    await importCsv(db, other, 'email\nstranger@x.com\n', { segment: 'Other' });
    const rows = Array.from({ length: 7 }, (_, i) => `c${i}@x.com,N${i},${i * 10},t${i % 2}`);
    await importCsv(db, tenantId, ['email,first_name,lead_score,tags', ...rows].join('\n'), {
      segment: 'Zeta',
    });
    await importCsv(db, tenantId, 'email\nc1@x.com\nc2@x.com\n', { segment: 'Alpha' });
    const mode = { raw: ctx.handle().raw };
    const keyset = (await collect(exportPages(db, tenantId, {}, 3))).flat();
    const pages = await collect(exportPages(db, tenantId, {}, 3, mode));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().sort(byId)).toEqual(keyset);
    expect(keyset.find((c) => c.fields['email'] === 'c1@x.com')!.segments).toEqual([
      'Alpha',
      'Zeta',
    ]);
    const where = { sql: 'c.lead_score >= $4', params: [30] };
    const filtered = await collect(exportPages(db, tenantId, { where }, 2, mode));
    expect(
      filtered
        .flat()
        .map((c) => c.fields['email'])
        .sort(),
    ).toEqual(['c3@x.com', 'c4@x.com', 'c5@x.com', 'c6@x.com']);
    const segmentId = await segmentIdByName(db, tenantId, 'Alpha');
    const inSegment = await collect(exportPages(db, tenantId, { segmentId }, 2000, mode));
    expect(inSegment.flat().sort(byId)).toEqual(keyset.filter((c) => c.segments.includes('Alpha')));
    // A list of ids reads segment names per row instead of joining all of them.
    const picked = keyset.filter((c) =>
      ['c1@x.com', 'c5@x.com'].includes(String(c.fields['email'])),
    );
    const byIds = await collect(
      exportPages(db, tenantId, { ids: picked.map((c) => c.id) }, 2000, mode),
    );
    expect(byIds.flat().sort(byId)).toEqual(picked);
    // A caller that stops early gives the connection back (the pool has a handful).
    for (let i = 0; i < 12; i++) {
      for await (const page of exportPages(db, tenantId, {}, 2, mode)) {
        expect(page).toHaveLength(2);
        break;
      }
    }
    expect(await countSelection(db, tenantId, {})).toBe(7);
  });

  it.runIf(ctx.backend === 'postgres')(
    'reads one snapshot: writes made while an export is between pages neither repeat nor drop a contact',
    async () => {
      const db = getDb();
      const tenantId = await freshTenant(db);
      const rows = Array.from({ length: 10 }, (_, i) => `s${i}@x.com,Before`);
      await importCsv(db, tenantId, ['email,first_name', ...rows].join('\n'), {
        segment: 'Before',
      });
      const before = (await collect(exportPages(db, tenantId, {}))).flat();
      expect(before).toHaveLength(10);

      const seen: ExportContact[] = [];
      let pageCount = 0;
      for await (const page of exportPages(db, tenantId, {}, 3, { raw: ctx.handle().raw })) {
        seen.push(...page);
        pageCount++;
        if (pageCount !== 1) continue;
        // Meanwhile, on other connections: every contact updated (a new row version each, which
        // a scan without a snapshot could meet again further on), one inserted, one added to a
        // segment.
        await db
          .updateTable('contacts')
          .set({ first_name: 'After' })
          .where('tenant_id', '=', tenantId)
          .execute();
        await importCsv(db, tenantId, 'email,first_name\nnew@x.com,New\n');
        const last = before[before.length - 1]!;
        await db
          .insertInto('segment_members')
          .values({
            tenant_id: tenantId,
            segment_id: await segmentIdByName(db, tenantId, 'Before'),
            contact_id: (await contactByEmail(db, tenantId, 'new@x.com'))!.id,
          })
          .execute();
        await db
          .deleteFrom('segment_members')
          .where('tenant_id', '=', tenantId)
          .where('contact_id', '=', last.id)
          .execute();
      }
      expect(pageCount).toBe(4);
      expect(seen.map((c) => c.id).sort()).toEqual(before.map((c) => c.id));
      expect(new Set(seen.map((c) => c.fields['first_name']))).toEqual(new Set(['Before']));
      expect(seen.sort(byId)).toEqual(before);

      const after = (await collect(exportPages(db, tenantId, {}, 3, { raw: ctx.handle().raw })))
        .flat()
        .sort(byId);
      expect(after).toHaveLength(11);
      expect(after.filter((c) => c.fields['first_name'] === 'After')).toHaveLength(10);
      expect(after.find((c) => c.fields['email'] === 'new@x.com')!.segments).toEqual(['Before']);
    },
  );
});

describeEachBackend('export: values that need care in COPY text', (getDb, ctx) => {
  it('reads nulls, escapes, array quoting, unicode and nested jsonb as the driver does', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const nasty = {
      first_name: 'tab\there',
      last_name: 'line\nbreak\r\nand CR',
      company: 'back\\slash \\N "quoted", {braced}',
      notes: '\\',
      city: 'Zoë 東京 🙂',
      country: 'NULL',
      street: '',
      phone: null,
      tags: ['a,b', 'c d', '{x}', 'q"t', 'back\\slash', 'NULL', '', 'tab\tin', 'Zoë'],
      email_additional: [],
      phone_additional: ['+1 415\n555'],
      lead_score: -7,
      birthday: '1990-04-01',
      bounced: true,
      emails_sent: 2147483647,
      last_opened_at: new Date('2025-10-01T10:00:00.123Z'),
      email_consent_status: 'opted_in' as const,
      email_consent_at: new Date('2025-01-02T03:04:05.006Z'),
      email_consent_source: 'form\t"signup"',
      custom: JSON.stringify({
        plan: 'pro\\max',
        seats: 12.5,
        trial: false,
        interests: ['ai', 'x,y', 'q"t'],
        nested: { deep: ['a\tb', { n: null }] },
        gone: null,
      }),
    };
    const inserted = await db
      .insertInto('contacts')
      .values([
        { tenant_id: tenantId, email: 'nasty@x.com', ...nasty },
        { tenant_id: tenantId, email: null },
      ])
      .returning('id')
      .execute();
    const segment = await db
      .insertInto('segments')
      .values({ tenant_id: tenantId, name: 'Seg, "with" {odd}\\chars\t' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('segment_members')
      .values({ tenant_id: tenantId, segment_id: segment.id, contact_id: inserted[0]!.id })
      .execute();

    const keyset = (await collect(exportPages(db, tenantId, {}))).flat();
    const read = (await collect(exportPages(db, tenantId, {}, 1, { raw: ctx.handle().raw })))
      .flat()
      .sort(byId);
    expect(read).toEqual(keyset);
    const c = read.find((x) => x.fields['email'] === 'nasty@x.com')!;
    expect(c.fields).toMatchObject({
      first_name: nasty.first_name,
      last_name: nasty.last_name,
      company: nasty.company,
      notes: '\\',
      city: nasty.city,
      country: 'NULL',
      street: '',
      phone: null,
      tags: nasty.tags,
      email_additional: [],
      phone_additional: nasty.phone_additional,
      lead_score: -7,
      birthday: '1990-04-01',
      bounced: true,
      emails_sent: 2147483647,
      last_opened_at: '2025-10-01T10:00:00.123Z',
    });
    expect(c.custom).toEqual({
      plan: 'pro\\max',
      seats: 12.5,
      trial: false,
      interests: ['ai', 'x,y', 'q"t'],
      nested: JSON.stringify({ deep: ['a\tb', { n: null }] }),
    });
    expect(c.consent.email).toEqual({
      status: 'opted_in',
      at: '2025-01-02T03:04:05.006Z',
      source: 'form\t"signup"',
    });
    expect(c.segments).toEqual(['Seg, "with" {odd}\\chars\t']);
    const blank = read.find((x) => x.fields['email'] === null)!;
    expect(blank.fields).toMatchObject({ first_name: null, tags: [], lead_score: null });
    expect(blank.segments).toEqual([]);
    expect(blank.custom).toEqual({});
  });
});
