import { beforeAll, expect, it } from 'vitest';
import { signLinkToken } from '../../src/files/signed-link.ts';
import { queueExport } from '../../src/store/exports.ts';
import { describeEachBackend } from '../support/backends.ts';
import { importCsv } from '../jobs/import-support.ts';
import { useTestApi } from './api-support.ts';
import { inlineExports, parseCsv, type InlineExports } from './export-support.ts';

const SECRET = 'test-signing-secret-0123456789';

const CSV = [
  'email,first_name,lead_score,custom_plan',
  'ann@example.com,Ann,90,pro',
  'bob@example.com,Bob,40,free',
  'cy@example.com,Cy,75,pro',
].join('\n');

describeEachBackend('API: exports and signed downloads', (getDb) => {
  let jobs: InlineExports;
  const { api, t, other } = useTestApi(getDb, { jobs: () => (jobs = inlineExports(getDb())) });

  beforeAll(async () => {
    await importCsv(getDb(), t.id, CSV, { segment: 'Webinar' });
    await importCsv(getDb(), other.id, 'email\nstranger@example.com\n');
  });

  async function startExport(key: string, payload: Record<string, unknown>) {
    return api.call(key, { method: 'POST', url: '/api/exports', payload });
  }

  it('exports what a filter selects, as a member, and serves the file through a signed link', async () => {
    const res = await startExport(t.memberKey, {
      format: 'csv',
      where: 'lead_score >= 70',
      fields: ['email', 'first_name', 'custom:plan'],
    });
    expect(res.statusCode).toBe(202);
    const { id } = res.json().export as { id: string };
    expect(jobs.ran).toContain(id);

    const status = await api.call(t.memberKey, { method: 'GET', url: `/api/exports/${id}` });
    expect(status.statusCode).toBe(200);
    const body = status.json();
    expect(body).toMatchObject({
      id,
      format: 'csv',
      status: 'completed',
      filter: 'lead_score >= 70',
      fields: ['email', 'first_name', 'custom_plan'],
      rows: 2,
      error: null,
    });
    expect(body.bytes).toBeGreaterThan(0);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(6 * 24 * 3600 * 1000);
    expect(body.downloadUrl).toMatch(/^\/api\/files\//);

    // The link is the credential: no API key needed.
    const file = await api.call(null, { method: 'GET', url: body.downloadUrl });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="${body.fileName as string}"`,
    );
    expect(Number(file.headers['content-length'])).toBe(body.bytes);
    const rows = parseCsv(file.rawPayload);
    expect(rows.map((r) => r['email']).sort()).toEqual(['ann@example.com', 'cy@example.com']);
    expect(rows.find((r) => r['email'] === 'ann@example.com')).toEqual({
      email: 'ann@example.com',
      first_name: 'Ann',
      custom_plan: 'pro',
    });

    // /download redirects to a fresh link to the same bytes.
    const redirect = await api.call(t.memberKey, {
      method: 'GET',
      url: `/api/exports/${id}/download`,
    });
    expect(redirect.statusCode).toBe(302);
    const location = String(redirect.headers['location']);
    expect(location).toMatch(/^\/api\/files\//);
    const again = await api.call(null, { method: 'GET', url: location });
    expect(again.rawPayload.equals(file.rawPayload)).toBe(true);
  });

  it('exports a segment by name, as JSON', async () => {
    const res = await startExport(t.adminKey, { format: 'json', segment: 'Webinar' });
    expect(res.statusCode).toBe(202);
    const { id } = res.json().export as { id: string };
    const status = (
      await api.call(t.adminKey, { method: 'GET', url: `/api/exports/${id}` })
    ).json();
    expect(status).toMatchObject({ status: 'completed', rows: 3 });
    const file = await api.call(null, { method: 'GET', url: status.downloadUrl });
    expect(file.headers['content-type']).toBe('application/json');
    const contacts = file.json() as { email: string; segments: string[] }[];
    expect(contacts.map((c) => c.email).sort()).toEqual([
      'ann@example.com',
      'bob@example.com',
      'cy@example.com',
    ]);
    expect(contacts.every((c) => c.segments.includes('Webinar'))).toBe(true);
  });

  it('refuses a wrong filter with its position, and records nothing', async () => {
    const before = (await api.call(t.adminKey, { method: 'GET', url: '/api/exports' })).json();
    const res = await startExport(t.adminKey, { format: 'csv', where: 'lead_score >> 5' });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('FILTER_INVALID');
    expect(typeof error.details.position).toBe('number');
    expect(error.message).toContain('position');
    const unknownField = await startExport(t.adminKey, { format: 'csv', where: 'contry = "DE"' });
    expect(unknownField.json().error).toMatchObject({
      code: 'FILTER_INVALID',
      details: { position: 0, suggestion: 'country' },
    });
    const badField = await startExport(t.adminKey, { format: 'csv', fields: ['emial'] });
    expect(badField.statusCode).toBe(400);
    expect(badField.json().error.code).toBe('OPTION_INVALID');
    const badId = await startExport(t.adminKey, { format: 'csv', ids: ['not-an-id'] });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.details).toMatchObject({ index: 0 });
    const badFormat = await startExport(t.adminKey, { format: 'pdf' });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json().error.code).toBe('REQUEST_INVALID');
    const after = (await api.call(t.adminKey, { method: 'GET', url: '/api/exports' })).json();
    expect(after.exports.length).toBe(before.exports.length);
  });

  it('lists exports newest first, a page at a time', async () => {
    const fresh = await api.newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await startExport(fresh.memberKey, { format: 'ndjson' });
      ids.push((res.json().export as { id: string }).id);
    }
    const first = await api.call(fresh.memberKey, { method: 'GET', url: '/api/exports?limit=2' });
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as { exports: { id: string }[]; next: string | null };
    expect(page1.exports.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect(page1.next).toBe(ids[1]);
    const page2 = (
      await api.call(fresh.memberKey, {
        method: 'GET',
        url: `/api/exports?limit=2&after=${page1.next}`,
      })
    ).json() as { exports: { id: string }[]; next: string | null };
    expect(page2).toEqual({ exports: [expect.objectContaining({ id: ids[0] })], next: null });
    const badCursor = await api.call(fresh.memberKey, {
      method: 'GET',
      url: '/api/exports?after=xyz',
    });
    expect(badCursor.statusCode).toBe(400);
    // Another tenant sees none of them.
    const foreign = (await api.call(other.adminKey, { method: 'GET', url: '/api/exports' })).json();
    expect(foreign.exports.map((e: { id: string }) => e.id)).not.toContain(ids[0]);
  });

  it("gives 404 for another tenant's export or a malformed id, 401 without credentials", async () => {
    const res = await startExport(t.adminKey, { format: 'csv' });
    const { id } = res.json().export as { id: string };
    for (const url of [`/api/exports/${id}`, `/api/exports/${id}/download`]) {
      const foreign = await api.call(other.adminKey, { method: 'GET', url });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.code).toBe('NOT_FOUND');
      expect((await api.call(null, { method: 'GET', url })).statusCode).toBe(401);
    }
    for (const url of ['/api/exports/nope', '/api/exports/nope/download']) {
      expect((await api.call(t.adminKey, { method: 'GET', url })).statusCode).toBe(404);
    }
    expect((await api.call(null, { method: 'GET', url: '/api/exports' })).statusCode).toBe(401);
    expect(
      (await api.call(null, { method: 'POST', url: '/api/exports', payload: { format: 'csv' } }))
        .statusCode,
    ).toBe(401);
    // Still there for its own tenant.
    const own = await api.call(t.adminKey, { method: 'GET', url: `/api/exports/${id}` });
    expect(own.json().status).toBe('completed');
  });

  it('answers a download of an export that is not completed or has expired', async () => {
    const db = getDb();
    const queued = await queueExport(db, t.id, {
      format: 'csv',
      filter: null,
      segmentId: null,
      fields: ['email'],
      options: {},
      createdBy: null,
    });
    const notYet = await api.call(t.adminKey, {
      method: 'GET',
      url: `/api/exports/${queued.id}/download`,
    });
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json().error).toMatchObject({ code: 'JOB_STATE', details: { status: 'queued' } });
    const status = (
      await api.call(t.adminKey, { method: 'GET', url: `/api/exports/${queued.id}` })
    ).json();
    expect(status.status).toBe('queued');
    expect(status.downloadUrl).toBeUndefined();

    const done = await startExport(t.adminKey, { format: 'csv' });
    const { id } = done.json().export as { id: string };
    await db
      .updateTable('exports')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('tenant_id', '=', t.id)
      .where('id', '=', id)
      .execute();
    const expired = await api.call(t.adminKey, {
      method: 'GET',
      url: `/api/exports/${id}/download`,
    });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.code).toBe('LINK_EXPIRED');
    const expiredStatus = (
      await api.call(t.adminKey, { method: 'GET', url: `/api/exports/${id}` })
    ).json();
    expect(expiredStatus.downloadUrl).toBeUndefined();
  });

  it('refuses a tampered link (404) and an expired one (410)', async () => {
    const res = await startExport(t.adminKey, { format: 'csv' });
    const { id } = res.json().export as { id: string };
    const status = (
      await api.call(t.adminKey, { method: 'GET', url: `/api/exports/${id}` })
    ).json();
    const url = status.downloadUrl as string;
    const token = url.slice('/api/files/'.length);
    const [payload, signature] = token.split('.') as [string, string];
    // Point the link at another tenant's key, keeping the signature: refused.
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
        k: `tenants/${other.id}/exports/${id}.csv`,
      }),
    ).toString('base64url');
    const tampered = await api.call(null, {
      method: 'GET',
      url: `/api/files/${forged}.${signature}`,
    });
    expect(tampered.statusCode).toBe(404);
    expect(tampered.json().error.code).toBe('LINK_INVALID');
    const garbage = await api.call(null, { method: 'GET', url: '/api/files/abc' });
    expect(garbage.statusCode).toBe(404);

    const stale = signLinkToken(
      { key: `tenants/${t.id}/exports/${id}.csv`, fileName: 'x.csv', expiresAt: Date.now() - 5000 },
      SECRET,
    );
    const expired = await api.call(null, { method: 'GET', url: `/api/files/${stale}` });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.code).toBe('LINK_EXPIRED');
  });
});
