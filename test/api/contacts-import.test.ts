import { expect, it } from 'vitest';
import { claimIdempotencyKey, requestHash } from '../../src/store/idempotency-keys.ts';
import { updateTenantSettings } from '../../src/store/tenant-settings.ts';
import { describeEachBackend } from '../support/backends.ts';
import { useTestApi } from './api-support.ts';

interface RowResult {
  index: number;
  status: string;
  contactId: string | null;
  issues: { field: string | null; code: string; severity: string; message: string }[];
}
interface ImportResponse {
  importId: string;
  status: string;
  counters: Record<string, number>;
  results: RowResult[];
}

describeEachBackend('API: POST /api/contacts/import', (getDb) => {
  const { api, t, other } = useTestApi(getDb);

  const post = (key: string | null, payload: object, idempotencyKey?: string) =>
    api.call(key, {
      method: 'POST',
      url: '/api/contacts/import',
      payload,
      ...(idempotencyKey !== undefined ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
  const imported = async (key: string, payload: object, idem?: string) => {
    const res = await post(key, payload, idem);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as ImportResponse;
  };
  const contact = async (key: string, id: string) => {
    const res = await api.call(key, { method: 'GET', url: `/api/contacts/${id}` });
    expect(res.statusCode).toBe(200);
    return (res.json() as { contact: Record<string, unknown> }).contact;
  };
  const contactCount = async (tenantId: string): Promise<number> => {
    const row = await getDb()
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  it('reports every row: created, updated, unchanged, rejected, duplicate in the request', async () => {
    const first = await imported(t.memberKey, {
      contacts: [
        { email: 'ann@example.com', firstName: 'Ann', company: 'Acme', tags: ['vip'] },
        { email: 'bob@example.com', firstName: 'Bob' },
      ],
    });
    expect(first.status).toBe('completed');
    expect(first.results.map((r) => [r.index, r.status])).toEqual([
      [0, 'created'],
      [1, 'created'],
    ]);
    const [ann, bob] = first.results.map((r) => r.contactId);
    expect(ann).toMatch(/^[0-9a-f-]{36}$/);

    const second = await imported(t.memberKey, {
      duplicateStrategy: 'update_existing',
      contacts: [
        { email: 'ann@example.com', firstName: 'Ann', company: 'Acme', tags: ['vip'] },
        { email: 'bob@example.com', firstName: 'Bob', company: 'Bobco' },
        { email: 'not-an-email', firstName: 'Bad' },
        { email: 'cy@example.com', firstName: 'Cy', jobTitle: 'CTO' },
        { email: 'CY@example.com', firstName: 'Cy again' },
      ],
    });
    expect(second.counters).toMatchObject({
      totalRows: 5,
      created: 1,
      updated: 1,
      unchanged: 1,
      rejected: 1,
      duplicatesInFile: 1,
    });
    const statuses = second.results.map((r) => ({
      index: r.index,
      status: r.status,
      contactId: r.contactId,
    }));
    const cy = second.results[3]?.contactId ?? null;
    expect(statuses).toEqual([
      { index: 0, status: 'unchanged', contactId: ann },
      { index: 1, status: 'updated', contactId: bob },
      { index: 2, status: 'rejected', contactId: null },
      { index: 3, status: 'created', contactId: cy },
      { index: 4, status: 'duplicate_in_file', contactId: null },
    ]);
    expect(cy).not.toBeNull();
    expect(second.results[2]?.issues).toContainEqual(
      expect.objectContaining({ field: 'email', severity: 'error' }),
    );
    expect(second.results[4]?.issues).toEqual([
      expect.objectContaining({ code: 'duplicate_in_file', severity: 'warning' }),
    ]);
    expect(second.results[0]?.issues).toEqual([]);
    expect(await contact(t.memberKey, bob!)).toMatchObject({ company: 'Bobco' });
    expect(await contact(t.memberKey, cy!)).toMatchObject({ jobTitle: 'CTO' });

    // The default strategy skips existing contacts, and still names them.
    const third = await imported(t.memberKey, {
      contacts: [{ email: 'ann@example.com', firstName: 'Annie' }],
    });
    expect(third.results).toEqual([{ index: 0, status: 'skipped', contactId: ann, issues: [] }]);
    expect(await contact(t.memberKey, ann!)).toMatchObject({ firstName: 'Ann' });
  });

  it('applies tags, the segment and the source; custom fields in the export shape', async () => {
    const res = await imported(t.memberKey, {
      source: 'external_crm',
      duplicateStrategy: 'update',
      tags: ['crm_sync', 'sync_2024-05-01'],
      segmentName: 'CRM sync',
      contacts: [
        { email: 'dee@example.com', firstName: 'Dee', customFields: { crmId: 'A-1' } },
        { email: 'ann@example.com' },
      ],
    });
    expect(res.results.map((r) => r.status)).toEqual(['created', 'updated']);
    const [dee, ann] = res.results.map((r) => r.contactId!);
    const created = await contact(t.memberKey, dee!);
    expect(created).toMatchObject({
      email: 'dee@example.com',
      source: 'external_crm',
      tags: expect.arrayContaining(['crm_sync', 'sync_2024-05-01']),
      customFields: expect.objectContaining({ crmId: 'A-1' }),
    });
    const existing = await contact(t.memberKey, ann!);
    expect(existing['tags']).toEqual(expect.arrayContaining(['vip', 'crm_sync']));
    // An existing contact keeps the Source it had.
    expect(existing['source']).toMatch(/^import:/);

    const members = await getDb()
      .selectFrom('segment_members as m')
      .innerJoin('segments as s', (j) =>
        j.onRef('s.tenant_id', '=', 'm.tenant_id').onRef('s.id', '=', 'm.segment_id'),
      )
      .select('m.contact_id')
      .where('m.tenant_id', '=', t.id)
      .where('s.name', '=', 'CRM sync')
      .execute();
    expect(members.map((m) => m.contact_id).sort()).toEqual([dee, ann].sort());
  });

  it('replays a retried request with the same Idempotency-Key and imports nothing twice', async () => {
    const body = {
      contacts: [{ email: 'idem1@example.com' }, { email: 'idem2@example.com' }],
      tags: ['retry'],
    };
    const before = await contactCount(t.id);
    const first = await post(t.memberKey, body, 'sync-2024-05-01');
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await contactCount(t.id)).toBe(before + 2);

    // Same body, keys in another order: the same request.
    const retry = await post(
      t.memberKey,
      { tags: ['retry'], contacts: body.contacts },
      'sync-2024-05-01',
    );
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(await contactCount(t.id)).toBe(before + 2);
    const list = await api.call(t.memberKey, { method: 'GET', url: '/api/imports?limit=200' });
    const ids = (list.json() as { imports: { id: string }[] }).imports.map((i) => i.id);
    expect(ids.filter((id) => id === (first.json() as ImportResponse).importId)).toHaveLength(1);
    const count = await getDb()
      .selectFrom('imports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', t.id)
      .executeTakeFirstOrThrow();

    const mismatch = await post(t.memberKey, { ...body, tags: ['other'] }, 'sync-2024-05-01');
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_MISMATCH' } });

    // Another tenant's same key is its own.
    const theirs = await post(other.memberKey, body, 'sync-2024-05-01');
    expect(theirs.statusCode).toBe(200);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    const their = theirs.json() as ImportResponse;
    expect(their.importId).not.toBe((first.json() as ImportResponse).importId);
    expect(their.results.map((r) => r.status)).toEqual(['created', 'created']);

    const after = await getDb()
      .selectFrom('imports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', t.id)
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(count.n);
  });

  it('refuses a key whose first request is still running, and frees the key of a failed one', async () => {
    // Two requests at once with one key: one runs, the other is told it is in progress.
    const many = {
      contacts: Array.from({ length: 500 }, (_, i) => ({ email: `busy${i}@example.com` })),
    };
    const both = await Promise.all([
      post(t.memberKey, many, 'busy-key'),
      post(t.memberKey, many, 'busy-key'),
    ]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.statusCode === 409)?.json()).toMatchObject({
      error: { code: 'CONFLICT' },
    });
    const replayed = await post(t.memberKey, many, 'busy-key');
    expect(replayed.headers['idempotent-replayed']).toBe('true');

    // A claim left unfinished (its process died) is taken over once it is old enough.
    const hash = requestHash({ n: 1 });
    expect(await claimIdempotencyKey(getDb(), t.id, 'abandoned', hash)).toBeNull();
    await expect(claimIdempotencyKey(getDb(), t.id, 'abandoned', hash)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await claimIdempotencyKey(getDb(), t.id, 'abandoned', hash, 0)).toBeNull();

    await updateTenantSettings(getDb(), t.id, { maxContactsPerRequest: 1 });
    const two = { contacts: [{ email: 'f1@example.com' }, { email: 'f2@example.com' }] };
    const refused = await post(t.memberKey, two, 'after-failure');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({
      error: { code: 'LIMIT_EXCEEDED', details: { setting: 'maxContactsPerRequest' } },
    });
    await updateTenantSettings(getDb(), t.id, { maxContactsPerRequest: 10 });
    const retried = await post(t.memberKey, two, 'after-failure');
    expect(retried.statusCode).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('checks the shape of the body, not the contacts', async () => {
    const empty = await post(t.memberKey, { contacts: [] });
    expect(empty.statusCode).toBe(400);
    const unknown = await post(t.memberKey, { contacts: [{ email: 'a@b.co' }], nope: 1 });
    expect(unknown.statusCode).toBe(400);
    const strange = await imported(t.memberKey, {
      contacts: [{ email: 42, whatever: { deep: [1, 2] } }],
    });
    expect(strange.results[0]).toMatchObject({ index: 0, status: 'rejected', contactId: null });
  });

  it('needs credentials', async () => {
    const res = await post(null, { contacts: [{ email: 'anon@example.com' }] });
    expect(res.statusCode).toBe(401);
  });

  it('is an ordinary import: in the history, rolled back like any other', async () => {
    const res = await imported(t.memberKey, {
      contacts: [{ email: 'gone1@example.com' }, { email: 'gone2@example.com' }],
    });
    const list = await api.call(t.memberKey, { method: 'GET', url: '/api/imports?limit=1' });
    expect(
      (list.json() as { imports: { id: string; file: { format: string } }[] }).imports,
    ).toEqual([
      expect.objectContaining({
        id: res.importId,
        file: expect.objectContaining({ format: 'json' }),
      }),
    ]);
    const before = await contactCount(t.id);

    const theirs = await api.call(other.memberKey, {
      method: 'POST',
      url: `/api/imports/${res.importId}/rollback`,
      payload: {},
    });
    expect(theirs.statusCode).toBe(404);
    expect(await contactCount(t.id)).toBe(before);

    const rollback = await api.call(t.memberKey, {
      method: 'POST',
      url: `/api/imports/${res.importId}/rollback`,
      payload: {},
    });
    expect(rollback.statusCode, rollback.body).toBe(200);
    expect(rollback.json()).toMatchObject({ status: 'rolled_back', changed: true });
    expect(await contactCount(t.id)).toBe(before - 2);

    const report = await api.call(t.memberKey, {
      method: 'GET',
      url: `/api/imports/${res.importId}/error-report`,
    });
    expect(report.statusCode).toBe(200);
  });
});
