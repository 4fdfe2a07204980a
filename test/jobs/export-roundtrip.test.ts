/**
 * Export → import round trip: an export re-imported onto the same contacts changes nothing (the
 * import reports every row unchanged), in CSV, XLSX and JSON.
 */
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import type { ExportFormat } from '../../src/core/export/index.ts';
import { runExport } from '../../src/jobs/run-export.ts';
import { describeEachBackend } from '../support/backends.ts';
import { contactsOf, freshTenant, importCsv } from './import-support.ts';
import { bytesSource } from '../../src/core/model/byte-source.ts';
import { createImportJob } from '../../src/jobs/create-import.ts';
import { runImport } from '../../src/jobs/run-import.ts';
import { countSegment } from '../../src/jobs/segments.ts';
import { listCustomFields } from '../../src/store/custom-fields.ts';
import type { RawClient } from '../../src/store/connection.ts';
import { listSegments, saveFilterSegment } from '../../src/store/segments.ts';

async function exportBytes(
  db: Parameters<typeof runExport>[0],
  tenantId: string,
  format: ExportFormat,
  where?: string,
  raw?: RawClient,
): Promise<{ bytes: Buffer; rows: number }> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => sink.on('end', r));
  const result = await runExport(
    db,
    tenantId,
    { format, ...(where !== undefined ? { where } : {}) },
    sink,
    { fileName: `x.${format}`, storageKey: 'memory:' },
    undefined,
    { raw },
  );
  await done;
  return { bytes: Buffer.concat(chunks), rows: result.rows };
}

describeEachBackend('export → import round trip', (getDb, ctx) => {
  it('re-imports every format onto the same contacts without changing one', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const csv = [
      'email,first_name,last_name,company,phone,tags,lead_score,birthday,notes,custom_plan,custom_seats',
      'ann@example.com,Ann,Lee,Acme,+1 415 555 2671,vip|east,10,1990-04-01,"=cmd|x, ""quoted""",pro,12',
      'bob@example.com,Bob,,"-Minus Co",+44 20 7946 0958,,20,,"line one\nline two",free,',
      'cy@example.com,Cy,Ng,@home,,,,,,,3',
    ].join('\n');
    await importCsv(db, tenantId, csv, { segment: 'Webinar' });
    const before = await contactsOf(db, tenantId);

    for (const format of ['csv', 'xlsx', 'json'] as const) {
      const { bytes, rows } = await exportBytes(db, tenantId, format, undefined, ctx.handle().raw);
      expect(rows).toBe(3);
      const source = bytesSource(`export.${format}`, bytes);
      const { job } = await createImportJob(
        db,
        tenantId,
        source,
        `memory:${format}`,
        { merge: { strategy: 'update' } },
        'test',
      );
      const summary = await runImport({ db, tenantId, source }, job.id);
      expect({ format, ...summary.counters }).toMatchObject({
        format,
        rowsProcessed: 3,
        unchanged: 3,
        created: 0,
        updated: 0,
        rejected: 0,
      });
    }
    const after = await contactsOf(db, tenantId);
    expect(after).toEqual(before);
  });

  it('exports only what the filter selects', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(
      db,
      tenantId,
      'email,lead_score,tags\na@x.com,10,vip\nb@x.com,60,vip\nc@x.com,70,\n',
    );
    const { bytes, rows } = await exportBytes(
      db,
      tenantId,
      'json',
      'lead_score > 50 and tags contains "vip"',
      ctx.handle().raw,
    );
    expect(rows).toBe(1);
    const parsed = JSON.parse(bytes.toString('utf8')) as { email: string }[];
    expect(parsed.map((c) => c.email)).toEqual(['b@x.com']);
  });
});

describeEachBackend('segments', (getDb, ctx) => {
  it('count static members and saved-filter matches, and export a saved filter by name', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    await importCsv(db, tenantId, 'email,lead_score\na@x.com,10\nb@x.com,80\n', {
      segment: 'List',
    });
    await importCsv(db, tenantId, 'email,lead_score\nc@x.com,90\n');
    await saveFilterSegment(db, tenantId, 'Hot', 'lead_score >= 75');
    const fields = await listCustomFields(db, tenantId);
    const counts: Record<string, number> = {};
    for (const s of await listSegments(db, tenantId)) {
      counts[s.name] = await countSegment(db, tenantId, s, fields);
    }
    expect(counts).toEqual({ Hot: 2, List: 2 });
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => sink.on('end', r));
    const result = await runExport(
      db,
      tenantId,
      { format: 'ndjson', segment: 'Hot', where: 'email != "c@x.com"' },
      sink,
      { fileName: 'hot.ndjson', storageKey: 'memory:' },
      undefined,
      { raw: ctx.handle().raw },
    );
    await ended;
    expect(result.rows).toBe(1);
    const emails = Buffer.concat(chunks)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { email: string }).email);
    expect(emails).toEqual(['b@x.com']);
  });
});
