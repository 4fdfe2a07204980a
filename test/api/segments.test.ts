import { beforeAll, expect, it } from 'vitest';
import { getSegment } from '../../src/store/segments.ts';
import { describeEachBackend } from '../support/backends.ts';
import { importCsv } from '../jobs/import-support.ts';
import { useTestApi } from './api-support.ts';

const CSV = [
  'email,lead_score',
  'ann@example.com,90',
  'bob@example.com,40',
  'cy@example.com,75',
].join('\n');

interface SegmentJson {
  id: string;
  name: string;
  kind: string;
  where: string | null;
  description: string | null;
  contacts: number | null;
}

describeEachBackend('API: segments', (getDb) => {
  const { api, t, other } = useTestApi(getDb);

  beforeAll(async () => {
    await importCsv(getDb(), t.id, CSV, { segment: 'Webinar' });
  });

  const segments = async (key = t.memberKey) =>
    (await api.call(key, { method: 'GET', url: '/api/segments' })).json().segments as SegmentJson[];

  it('saves a filter as a segment and lists every segment with its count', async () => {
    const res = await api.call(t.memberKey, {
      method: 'POST',
      url: '/api/segments',
      payload: { name: 'Hot Leads', where: 'lead_score >= 70', description: 'Score 70+' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Hot Leads',
      kind: 'filter',
      where: 'lead_score >= 70',
      description: 'Score 70+',
      contacts: 2,
    });
    expect(await segments()).toEqual([
      expect.objectContaining({ name: 'Hot Leads', kind: 'filter', contacts: 2 }),
      expect.objectContaining({ name: 'Webinar', kind: 'list', where: null, contacts: 3 }),
    ]);
    const taken = await api.call(t.memberKey, {
      method: 'POST',
      url: '/api/segments',
      payload: { name: 'Hot Leads', where: 'lead_score > 1' },
    });
    expect(taken.statusCode).toBe(409);
  });

  it('refuses a wrong filter with its position, and saves nothing', async () => {
    const res = await api.call(t.memberKey, {
      method: 'POST',
      url: '/api/segments',
      payload: { name: 'Broken', where: 'lead_score >= "high"' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('FILTER_INVALID');
    expect(typeof res.json().error.details.position).toBe('number');
    expect((await segments()).map((s) => s.name)).not.toContain('Broken');
  });

  it('renames, re-filters and describes a segment; a list has no filter to change', async () => {
    const hot = (await segments()).find((s) => s.name === 'Hot Leads')!;
    const res = await api.call(t.memberKey, {
      method: 'PATCH',
      url: `/api/segments/${hot.id}`,
      payload: { name: 'Warm Leads', where: 'lead_score >= 50', description: null },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'Warm Leads',
      where: 'lead_score >= 50',
      description: null,
      contacts: 2,
    });
    const badFilter = await api.call(t.memberKey, {
      method: 'PATCH',
      url: `/api/segments/${hot.id}`,
      payload: { where: 'nope = 1' },
    });
    expect(badFilter.json().error.code).toBe('FILTER_INVALID');
    const webinar = (await segments()).find((s) => s.name === 'Webinar')!;
    const listFilter = await api.call(t.memberKey, {
      method: 'PATCH',
      url: `/api/segments/${webinar.id}`,
      payload: { where: 'lead_score > 1' },
    });
    expect(listFilter.statusCode).toBe(400);
    const clash = await api.call(t.memberKey, {
      method: 'PATCH',
      url: `/api/segments/${hot.id}`,
      payload: { name: 'Webinar' },
    });
    expect(clash.statusCode).toBe(409);
    const one = await api.call(t.memberKey, { method: 'GET', url: `/api/segments/${webinar.id}` });
    expect(one.json()).toMatchObject({ name: 'Webinar', contacts: 3 });
  });

  it("gives 404 for another tenant's segment and changes nothing; 401 without credentials", async () => {
    const webinar = (await segments()).find((s) => s.name === 'Webinar')!;
    const url = `/api/segments/${webinar.id}`;
    expect((await api.call(other.adminKey, { method: 'GET', url })).statusCode).toBe(404);
    const patch = await api.call(other.adminKey, {
      method: 'PATCH',
      url,
      payload: { name: 'Stolen' },
    });
    expect(patch.statusCode).toBe(404);
    expect((await api.call(other.adminKey, { method: 'DELETE', url })).statusCode).toBe(404);
    expect((await getSegment(getDb(), t.id, webinar.id))?.name).toBe('Webinar');
    expect(await segments(other.adminKey)).toEqual([]);
    expect(
      (await api.call(t.adminKey, { method: 'DELETE', url: '/api/segments/not-a-uuid' }))
        .statusCode,
    ).toBe(404);
    for (const [method, u] of [
      ['GET', '/api/segments'],
      ['POST', '/api/segments'],
      ['GET', url],
      ['PATCH', url],
      ['DELETE', url],
    ] as const) {
      expect((await api.call(null, { method, url: u, payload: {} })).statusCode).toBe(401);
    }
  });

  it('deletes a segment; its contacts stay', async () => {
    const webinar = (await segments()).find((s) => s.name === 'Webinar')!;
    const res = await api.call(t.memberKey, {
      method: 'DELETE',
      url: `/api/segments/${webinar.id}`,
    });
    expect(res.statusCode).toBe(204);
    expect(await getSegment(getDb(), t.id, webinar.id)).toBeUndefined();
    const contacts = await getDb()
      .selectFrom('contacts')
      .select('id')
      .where('tenant_id', '=', t.id)
      .execute();
    expect(contacts).toHaveLength(3);
  });
});
