import { beforeAll, expect, it } from 'vitest';
import { findPreset, savePreset } from '../../src/store/mapping-presets.ts';
import { describeEachBackend } from '../support/backends.ts';
import { useTestApi } from './api-support.ts';

describeEachBackend('API: mapping presets', (getDb) => {
  const { api, t, other } = useTestApi(getDb);

  beforeAll(async () => {
    await savePreset(getDb(), t.id, {
      fingerprint: 'fp-one',
      header: ['E-mail', 'Notes'],
      mapping: { 'E-mail': 'email', Notes: null },
      transforms: {},
    });
    await savePreset(getDb(), other.id, {
      fingerprint: 'fp-one',
      header: ['Mail'],
      mapping: { Mail: 'email' },
      transforms: {},
    });
  });

  it('lists the tenant’s presets and forgets one (a member may)', async () => {
    const list = await api.call(t.memberKey, { method: 'GET', url: '/api/mapping-presets' });
    expect(list.statusCode).toBe(200);
    expect(list.json().presets).toEqual([
      expect.objectContaining({
        fingerprint: 'fp-one',
        header: ['E-mail', 'Notes'],
        mapping: { 'E-mail': 'email', Notes: null },
      }),
    ]);
    const del = await api.call(t.memberKey, {
      method: 'DELETE',
      url: '/api/mapping-presets/fp-one',
    });
    expect(del.statusCode).toBe(204);
    expect(await findPreset(getDb(), t.id, 'fp-one')).toBeUndefined();
    const again = await api.call(t.memberKey, {
      method: 'DELETE',
      url: '/api/mapping-presets/fp-one',
    });
    expect(again.statusCode).toBe(404);
  });

  it("gives 404 for another tenant's preset and keeps it; 401 without credentials", async () => {
    await savePreset(getDb(), t.id, {
      fingerprint: 'fp-mine',
      header: ['x'],
      mapping: { x: 'email' },
      transforms: {},
    });
    const foreign = await api.call(other.adminKey, {
      method: 'DELETE',
      url: '/api/mapping-presets/fp-mine',
    });
    expect(foreign.statusCode).toBe(404);
    expect(await findPreset(getDb(), t.id, 'fp-mine')).toBeDefined();
    // The other tenant's own preset under the same fingerprint was never touched by t.
    expect(await findPreset(getDb(), other.id, 'fp-one')).toBeDefined();
    expect((await api.call(null, { method: 'GET', url: '/api/mapping-presets' })).statusCode).toBe(
      401,
    );
    expect(
      (await api.call(null, { method: 'DELETE', url: '/api/mapping-presets/fp-mine' })).statusCode,
    ).toBe(401);
  });
});
