import { beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.ts';
import { importCsv } from '../jobs/import-support.ts';
import { useTestApi } from './api-support.ts';

const CSV = [
  'email,first_name,lead_score,tags,custom_plan',
  'ann@example.com,Ann,90,vip|east,pro',
  'bob@example.com,Bob,40,,free',
  'cy@example.com,Cy,75,,pro',
  'di@example.com,Di,10,,',
  'ed@example.com,Ed,80,,team',
].join('\n');

interface ContactJson {
  id: string;
  email: string;
  firstName: string | null;
  leadScore: number | null;
  tags: string[];
  customFields?: Record<string, unknown>;
  segments: string[];
}

describeEachBackend('API: contacts list and detail', (getDb) => {
  const { api, t, other } = useTestApi(getDb);
  let importId: string;

  beforeAll(async () => {
    importId = (await importCsv(getDb(), t.id, CSV, { segment: 'Webinar' })).jobId ?? '';
    await importCsv(getDb(), other.id, 'email,lead_score\nstranger@example.com,99\n');
  });

  async function list(query: string, key = t.memberKey) {
    return api.call(key, { method: 'GET', url: `/api/contacts${query}` });
  }

  it('lists contacts in the JSON export shape, a page at a time in id order', async () => {
    const pages: ContactJson[][] = [];
    let url = '?limit=2';
    for (;;) {
      const res = await list(url);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { contacts: ContactJson[]; next: string | null };
      pages.push(body.contacts);
      if (body.next === null) break;
      url = `?limit=2&after=${body.next}`;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const all = pages.flat();
    expect(all.map((c) => c.id)).toEqual(all.map((c) => c.id).sort());
    expect(all.map((c) => c.email).sort()).toEqual([
      'ann@example.com',
      'bob@example.com',
      'cy@example.com',
      'di@example.com',
      'ed@example.com',
    ]);
    expect(all.find((c) => c.email === 'ann@example.com')).toMatchObject({
      firstName: 'Ann',
      leadScore: 90,
      tags: ['vip', 'east'],
      customFields: { plan: 'pro' },
      segments: ['Webinar'],
      emailOptIn: null,
    });
  });

  it('filters with the filter language, pages within the filter and counts on request', async () => {
    const res = await list(`?where=${encodeURIComponent('lead_score >= 75')}&limit=2&count=true`);
    const body = res.json() as { contacts: ContactJson[]; next: string | null; total: number };
    expect(body.total).toBe(3);
    expect(body.contacts).toHaveLength(2);
    const rest = (
      await list(`?where=${encodeURIComponent('lead_score >= 75')}&limit=2&after=${body.next}`)
    ).json() as { contacts: ContactJson[]; next: string | null };
    expect(rest.next).toBeNull();
    expect([...body.contacts, ...rest.contacts].map((c) => c.email).sort()).toEqual([
      'ann@example.com',
      'cy@example.com',
      'ed@example.com',
    ]);
    const custom = (await list(`?where=${encodeURIComponent('custom:plan = "pro"')}`)).json();
    expect(custom.contacts.map((c: ContactJson) => c.email).sort()).toEqual([
      'ann@example.com',
      'cy@example.com',
    ]);
  });

  it('refuses a wrong filter with its position, and a malformed cursor', async () => {
    const res = await list(`?where=${encodeURIComponent('lead_score >= ')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('FILTER_INVALID');
    expect(res.json().error.details.position).toBe(14); // the end of the text
    const typo = await list(`?where=${encodeURIComponent('lead_scor > 5')}`);
    expect(typo.json().error).toMatchObject({
      code: 'FILTER_INVALID',
      details: { position: 0, suggestion: 'lead_score' },
    });
    expect((await list('?after=nope')).statusCode).toBe(400);
  });

  it('shows one contact with the imports that touched it', async () => {
    const ann = (await list(`?where=${encodeURIComponent('email = "ann@example.com"')}`)).json()
      .contacts[0] as ContactJson;
    const res = await api.call(t.memberKey, { method: 'GET', url: `/api/contacts/${ann.id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.contact).toEqual(ann);
    expect(body.imports).toEqual([
      expect.objectContaining({ importId, kind: 'created', row: 2, undone: null }),
    ]);
    expect(body.imports[0].fields).toContain('email');
  });

  it("gives 404 for another tenant's contact or a malformed id, 401 without credentials", async () => {
    const stranger = (await list('', other.adminKey)).json().contacts[0] as ContactJson;
    expect(stranger.email).toBe('stranger@example.com');
    const foreign = await api.call(t.adminKey, {
      method: 'GET',
      url: `/api/contacts/${stranger.id}`,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('NOT_FOUND');
    expect(
      (await api.call(t.adminKey, { method: 'GET', url: '/api/contacts/12345' })).statusCode,
    ).toBe(404);
    // Nothing of the other tenant leaks into the list, even through a cursor.
    const listed = (await list(`?after=00000000-0000-0000-0000-000000000000`)).json();
    expect(listed.contacts.map((c: ContactJson) => c.email)).not.toContain('stranger@example.com');
    for (const url of ['/api/contacts', `/api/contacts/${stranger.id}`]) {
      expect((await api.call(null, { method: 'GET', url })).statusCode).toBe(401);
    }
  });
});
