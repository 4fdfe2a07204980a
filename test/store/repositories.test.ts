import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { isRosterError } from '../../src/core/errors.ts';
import { createCustomField, listCustomFields } from '../../src/store/custom-fields.ts';
import { findPreset, savePreset } from '../../src/store/mapping-presets.ts';
import { createTenant, ensureDefaultTenant, findTenantByName } from '../../src/store/tenants.ts';
import { describeEachBackend } from '../support/backends.ts';

const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

describeEachBackend('tenants', (getDb) => {
  it('creates, finds and refuses a second tenant with the same name', async () => {
    const name = uniqueName('acme');
    const created = await createTenant(getDb(), name, { matchKeys: ['phone', 'email'] });
    expect(created).toMatchObject({ name, settings: { matchKeys: ['phone', 'email'] } });
    expect(await findTenantByName(getDb(), name)).toEqual(created);
    expect(await findTenantByName(getDb(), uniqueName('nobody'))).toBeUndefined();
    const again = createTenant(getDb(), name);
    await expect(again).rejects.toSatisfy((e) => isRosterError(e, 'CONFLICT'));
  });

  it('ensureDefaultTenant is idempotent, also when called concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => ensureDefaultTenant(getDb())),
    );
    expect(new Set(results.map((t) => t.id)).size).toBe(1);
    const all = await getDb()
      .selectFrom('tenants')
      .select('id')
      .where('name', '=', 'default')
      .execute();
    expect(all).toHaveLength(1);
  });
});

describeEachBackend('mapping presets', (getDb) => {
  const preset = {
    fingerprint: 'fp-1',
    header: ['E-mail', 'First Name', 'Company'],
    mapping: { 'E-mail': 'email', 'First Name': 'first_name', Company: null },
    transforms: { 'E-mail': { lowercase: true } },
  };

  it('round-trip, header arrays included', async () => {
    const tenant = await createTenant(getDb(), uniqueName('t'));
    expect(await findPreset(getDb(), tenant.id, 'fp-1')).toBeUndefined();
    const saved = await savePreset(getDb(), tenant.id, preset);
    expect(saved).toMatchObject(preset);
    const found = await findPreset(getDb(), tenant.id, 'fp-1');
    expect(found).toEqual(saved);
    expect(found?.createdAt).toBeInstanceOf(Date);
  });

  it('saving again replaces the mapping (last choice wins)', async () => {
    const tenant = await createTenant(getDb(), uniqueName('t'));
    const first = await savePreset(getDb(), tenant.id, preset);
    const mapping = { ...preset.mapping, Company: 'company' };
    await savePreset(getDb(), tenant.id, { ...preset, mapping, transforms: {} });
    const found = await findPreset(getDb(), tenant.id, 'fp-1');
    expect(found).toMatchObject({ mapping, transforms: {}, createdAt: first.createdAt });
    const rows = await getDb()
      .selectFrom('mapping_presets')
      .select('fingerprint')
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('are isolated by tenant', async () => {
    const a = await createTenant(getDb(), uniqueName('a'));
    const b = await createTenant(getDb(), uniqueName('b'));
    await savePreset(getDb(), a.id, preset);
    expect(await findPreset(getDb(), b.id, 'fp-1')).toBeUndefined();
    await savePreset(getDb(), b.id, { ...preset, mapping: { 'E-mail': 'email_additional' } });
    expect((await findPreset(getDb(), a.id, 'fp-1'))?.mapping).toEqual(preset.mapping);
    expect((await findPreset(getDb(), b.id, 'fp-1'))?.mapping).toEqual({
      'E-mail': 'email_additional',
    });
  });
});

describeEachBackend('custom fields', (getDb) => {
  it('are created and listed in order as CustomFieldDef', async () => {
    const tenant = await createTenant(getDb(), uniqueName('t'));
    expect(await listCustomFields(getDb(), tenant.id)).toEqual([]);
    await createCustomField(getDb(), tenant.id, {
      key: 'industry',
      label: 'Industry',
      type: 'text',
      maxLength: 80,
    });
    await createCustomField(getDb(), tenant.id, {
      key: 'company_size',
      label: 'Company Size',
      type: 'select',
      options: ['51-200', '1-10', '11-50'],
      required: true,
    });
    await createCustomField(getDb(), tenant.id, {
      key: 'mrr',
      label: 'MRR',
      type: 'number',
      min: 0,
      max: 1e6,
    });
    expect(await listCustomFields(getDb(), tenant.id)).toEqual([
      { key: 'industry', label: 'Industry', type: 'text', maxLength: 80 },
      // The order of options is kept: it is meaningful for select fields.
      {
        key: 'company_size',
        label: 'Company Size',
        type: 'select',
        options: ['51-200', '1-10', '11-50'],
        required: true,
      },
      { key: 'mrr', label: 'MRR', type: 'number', min: 0, max: 1e6 },
    ]);
  });

  it('refuse bad definitions and duplicate keys with coded errors', async () => {
    const tenant = await createTenant(getDb(), uniqueName('t'));
    const bad = [
      { key: 'Industry', label: 'Industry', type: 'text' as const },
      { key: 'email', label: 'Email', type: 'text' as const },
      { key: 'tier', label: 'Tier', type: 'select' as const },
      { key: 'tier', label: 'Tier', type: 'text' as const, options: ['a'] },
      { key: 'tier', label: 'Tier', type: 'select' as const, options: ['a', 'a'] },
      { key: 'score', label: 'Score', type: 'number' as const, min: 5, max: 1 },
      { key: 'note', label: ' ', type: 'text' as const },
    ];
    for (const def of bad) {
      await expect(createCustomField(getDb(), tenant.id, def), def.key).rejects.toSatisfy((e) =>
        isRosterError(e, 'OPTION_INVALID'),
      );
    }
    await createCustomField(getDb(), tenant.id, { key: 'tier', label: 'Tier', type: 'text' });
    await expect(
      createCustomField(getDb(), tenant.id, { key: 'tier', label: 'Tier 2', type: 'text' }),
    ).rejects.toSatisfy((e) => isRosterError(e, 'CONFLICT'));
  });

  it('are isolated by tenant', async () => {
    const a = await createTenant(getDb(), uniqueName('a'));
    const b = await createTenant(getDb(), uniqueName('b'));
    await createCustomField(getDb(), a.id, { key: 'industry', label: 'Industry', type: 'text' });
    await createCustomField(getDb(), b.id, { key: 'industry', label: 'Branche', type: 'text' });
    expect((await listCustomFields(getDb(), a.id)).map((f) => f.label)).toEqual(['Industry']);
    expect((await listCustomFields(getDb(), b.id)).map((f) => f.label)).toEqual(['Branche']);
  });
});
