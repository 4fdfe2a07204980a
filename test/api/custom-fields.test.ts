import { expect, it } from 'vitest';
import { listCustomFields } from '../../src/store/custom-fields.ts';
import { describeEachBackend } from '../support/backends.ts';
import { useTestApi } from './api-support.ts';

describeEachBackend('API: custom fields', (getDb) => {
  const { api, t, other } = useTestApi(getDb);

  const create = (key: string | null, payload: Record<string, unknown>) =>
    api.call(key, { method: 'POST', url: '/api/custom-fields', payload });

  it('creates, lists, changes and deletes a field as an admin', async () => {
    const res = await create(t.adminKey, {
      key: 'plan',
      label: 'Plan',
      type: 'select',
      options: ['free', 'pro'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      key: 'plan',
      label: 'Plan',
      type: 'select',
      options: ['free', 'pro'],
    });
    await create(t.adminKey, { key: 'seats', label: 'Seats', type: 'number', min: 1 });

    const list = await api.call(t.memberKey, { method: 'GET', url: '/api/custom-fields' });
    expect(list.json().customFields.map((f: { key: string }) => f.key)).toEqual(['plan', 'seats']);

    const changed = await api.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/custom-fields/seats',
      payload: { label: 'Licensed seats', min: null, max: 500 },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({
      key: 'seats',
      label: 'Licensed seats',
      type: 'number',
      max: 500,
    });

    const gone = await api.call(t.adminKey, { method: 'DELETE', url: '/api/custom-fields/plan' });
    expect(gone.statusCode).toBe(204);
    expect((await listCustomFields(getDb(), t.id)).map((f) => f.key)).toEqual(['seats']);
  });

  it('refuses bad definitions and duplicate keys', async () => {
    const bad = await create(t.adminKey, { key: 'Bad Key', label: 'x', type: 'text' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('OPTION_INVALID');
    const noOptions = await create(t.adminKey, { key: 'tier', label: 'Tier', type: 'select' });
    expect(noOptions.json().error.code).toBe('OPTION_INVALID');
    const standard = await create(t.adminKey, { key: 'email', label: 'E', type: 'text' });
    expect(standard.json().error.code).toBe('OPTION_INVALID');
    await create(t.adminKey, { key: 'region_code', label: 'Region code', type: 'text' });
    const twice = await create(t.adminKey, { key: 'region_code', label: 'Again', type: 'text' });
    expect(twice.statusCode).toBe(409);
    const inverted = await api.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/custom-fields/seats',
      payload: { min: 10, max: 5 },
    });
    expect(inverted.statusCode).toBe(400);
    const typeChange = await api.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/custom-fields/seats',
      payload: { type: 'text' },
    });
    expect(typeChange.json().error.code).toBe('REQUEST_INVALID');
  });

  it('lets members read but not create, change or delete', async () => {
    expect((await create(t.memberKey, { key: 'x1', label: 'X', type: 'text' })).statusCode).toBe(
      403,
    );
    const patch = await api.call(t.memberKey, {
      method: 'PATCH',
      url: '/api/custom-fields/seats',
      payload: { label: 'Hijacked' },
    });
    expect(patch.statusCode).toBe(403);
    const del = await api.call(t.memberKey, { method: 'DELETE', url: '/api/custom-fields/seats' });
    expect(del.statusCode).toBe(403);
    const seats = (await listCustomFields(getDb(), t.id)).find((f) => f.key === 'seats');
    expect(seats?.label).toBe('Licensed seats');
  });

  it("gives 404 for another tenant's field and changes nothing; 401 without credentials", async () => {
    const patch = await api.call(other.adminKey, {
      method: 'PATCH',
      url: '/api/custom-fields/seats',
      payload: { label: 'Other tenant' },
    });
    expect(patch.statusCode).toBe(404);
    const del = await api.call(other.adminKey, {
      method: 'DELETE',
      url: '/api/custom-fields/seats',
    });
    expect(del.statusCode).toBe(404);
    expect((await listCustomFields(getDb(), t.id)).find((f) => f.key === 'seats')?.label).toBe(
      'Licensed seats',
    );
    const otherList = await api.call(other.adminKey, { method: 'GET', url: '/api/custom-fields' });
    expect(otherList.json().customFields).toEqual([]);
    for (const [method, url] of [
      ['GET', '/api/custom-fields'],
      ['POST', '/api/custom-fields'],
      ['PATCH', '/api/custom-fields/seats'],
      ['DELETE', '/api/custom-fields/seats'],
    ] as const) {
      expect((await api.call(null, { method, url, payload: {} })).statusCode).toBe(401);
    }
  });
});
