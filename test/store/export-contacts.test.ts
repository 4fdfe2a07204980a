import { expect, it } from 'vitest';
import type { ExportContact } from '../../src/core/export/types.ts';
import { countSelection, exportPages } from '../../src/store/export-contacts.ts';
import { describeEachBackend } from '../support/backends.ts';
import { freshTenant, importCsv } from '../jobs/import-support.ts';

async function collect(pages: AsyncGenerator<ExportContact[]>): Promise<ExportContact[][]> {
  const out: ExportContact[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describeEachBackend('export: reading contacts page by page', (getDb) => {
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

    const segmentId = (
      await db
        .selectFrom('segments')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('name', '=', 'Webinar')
        .executeTakeFirstOrThrow()
    ).id;
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
});
