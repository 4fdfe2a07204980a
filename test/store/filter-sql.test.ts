import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { checkFilter, compileFilter, parseFilter } from '../../src/core/filter/index.ts';
import type { CustomFieldDef } from '../../src/core/model/fields.ts';
import type { ConsentStatus, Database } from '../../src/store/schema.ts';
import { inlineParams } from '../../src/store/inline-params.ts';
import { createTenant } from '../../src/store/tenants.ts';
import { describeEachBackend } from '../support/backends.ts';

const customFields: CustomFieldDef[] = [
  { key: 'company_size', label: 'Size', type: 'select', options: ['1-10', '11-50', '51-200'] },
  { key: 'interests', label: 'Interests', type: 'multi_select', options: ['ai', 'cloud'] },
  { key: 'seats', label: 'Seats', type: 'number' },
  { key: 'renewal', label: 'Renewal', type: 'date' },
  { key: 'trial', label: 'Trial', type: 'boolean' },
];

interface Seed {
  email: string;
  country?: string;
  lead_score?: number;
  tags?: string[];
  created_at?: string;
  last_activity_at?: string;
  consent?: ConsentStatus;
  bounced?: boolean;
  notes?: string;
  custom?: Record<string, unknown>;
}

const DAY = 86_400_000;
const ago = (days: number): string => new Date(Date.now() - days * DAY).toISOString();

const SEEDS: Seed[] = [
  {
    email: 'a@x.com',
    country: 'United States',
    lead_score: 80,
    tags: ['enterprise', 'vip'],
    created_at: '2025-10-01T00:00:00Z',
    last_activity_at: ago(2),
    consent: 'opted_in',
    notes: 'Met at 50% OFF booth',
    custom: {
      company_size: '51-200',
      interests: ['ai'],
      seats: 40,
      renewal: '2026-03-01',
      trial: true,
    },
  },
  {
    email: 'b@x.com',
    country: 'United States',
    lead_score: 40,
    tags: ['enterprise'],
    created_at: '2025-10-31T23:30:00Z',
    last_activity_at: ago(60),
    consent: 'opted_out',
    custom: { company_size: '11-50', interests: ['cloud'], seats: 'many', trial: false },
  },
  {
    email: 'c@x.com',
    country: 'France',
    lead_score: 90,
    created_at: '2025-11-01T00:00:00Z',
    bounced: true,
    custom: { company_size: '1-10', seats: 3 },
  },
  { email: 'd@x.com', created_at: '2025-09-30T23:59:59Z' },
];

describeEachBackend('filter language compiled to SQL', (getDb) => {
  let tenantId = '';
  const ids = new Map<string, string>();

  async function run(db: Kysely<Database>, filter: string): Promise<string[]> {
    const typed = checkFilter(parseFilter(filter), { customFields });
    const compiled = compileFilter(typed, { paramOffset: 1 });
    const text = `select c.email from contacts c where c.tenant_id = $1 and (${compiled.sql}) order by c.email`;
    const params = [tenantId, ...compiled.params];
    const result = await db.executeQuery<{ email: string }>(CompiledQuery.raw(text, params));
    const emails = result.rows.map((r) => r.email);
    // The same with the values written into the text, as an export's COPY sends it.
    const inlined = await db.executeQuery<{ email: string }>(
      CompiledQuery.raw(inlineParams(text, params)),
    );
    expect(inlined.rows.map((r) => r.email)).toEqual(emails);
    return emails;
  }

  beforeAll(async () => {
    const db = getDb();
    tenantId = (await createTenant(db, `filter-${randomBytes(4).toString('hex')}`)).id;
    const other = (await createTenant(db, `other-${randomBytes(4).toString('hex')}`)).id;
    for (const [tenant, seed] of [
      ...SEEDS.map((s) => [tenantId, s] as const),
      [other, SEEDS[0]!] as const,
    ]) {
      const row = await db
        .insertInto('contacts')
        .values({
          tenant_id: tenant,
          email: seed.email,
          country: seed.country ?? null,
          lead_score: seed.lead_score ?? null,
          tags: seed.tags ?? [],
          created_at: seed.created_at ?? new Date().toISOString(),
          last_activity_at: seed.last_activity_at ?? null,
          email_consent_status: seed.consent ?? 'unknown',
          bounced: seed.bounced ?? false,
          notes: seed.notes ?? null,
          custom: JSON.stringify(seed.custom ?? {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (tenant === tenantId) ids.set(seed.email, row.id);
    }
    const segment = await db
      .insertInto('segments')
      .values({ tenant_id: tenantId, name: 'Hot Leads' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('segment_members')
      .values(
        ['a@x.com', 'c@x.com'].map((email) => ({
          tenant_id: tenantId,
          segment_id: segment.id,
          contact_id: ids.get(email)!,
        })),
      )
      .execute();
  });

  it('runs comparisons, the DESIGN.md example and boolean logic', async () => {
    const db = getDb();
    expect(
      await run(
        db,
        'country = "United States" and company_size >= "51-200" and lead_score > 50 and tags contains "enterprise"',
      ),
    ).toEqual(['a@x.com']);
    expect(await run(db, 'lead_score >= 80')).toEqual(['a@x.com', 'c@x.com']);
    expect(await run(db, 'lead_score < 80')).toEqual(['b@x.com']);
    expect(await run(db, 'lead_score <= 80')).toEqual(['a@x.com', 'b@x.com']);
    expect(await run(db, 'lead_score = 40')).toEqual(['b@x.com']);
    // != and not include contacts without a value.
    expect(await run(db, 'country != "United States"')).toEqual(['c@x.com', 'd@x.com']);
    expect(await run(db, 'not lead_score > 50')).toEqual(['b@x.com', 'd@x.com']);
    expect(
      await run(db, 'lead_score > 85 or (country = "United States" and not lead_score > 50)'),
    ).toEqual(['b@x.com', 'c@x.com']);
  });

  it('runs contains, between, in and is empty', async () => {
    const db = getDb();
    expect(await run(db, 'tags contains "vip"')).toEqual(['a@x.com']);
    expect(await run(db, 'notes contains "50% off"')).toEqual(['a@x.com']);
    expect(await run(db, 'interests contains "cloud"')).toEqual(['b@x.com']);
    expect(await run(db, 'created_at between 2025-10-01 and 2025-10-31')).toEqual([
      'a@x.com',
      'b@x.com',
    ]);
    expect(await run(db, 'created_at = 2025-10-31')).toEqual(['b@x.com']);
    expect(await run(db, 'lead_score between 40 and 80')).toEqual(['a@x.com', 'b@x.com']);
    expect(await run(db, 'country in ("France", "Spain")')).toEqual(['c@x.com']);
    expect(await run(db, 'country not in ("France")')).toEqual(['a@x.com', 'b@x.com', 'd@x.com']);
    expect(await run(db, 'country is empty')).toEqual(['d@x.com']);
    expect(await run(db, 'tags is not empty')).toEqual(['a@x.com', 'b@x.com']);
    expect(await run(db, 'interests is empty')).toEqual(['c@x.com', 'd@x.com']);
  });

  it('runs relative dates, consent, bounced and segments', async () => {
    const db = getDb();
    expect(await run(db, 'last_activity_at within 30 days')).toEqual(['a@x.com']);
    expect(await run(db, 'last_activity_at within 3 months')).toEqual(['a@x.com', 'b@x.com']);
    expect(await run(db, 'email_opt_in = true')).toEqual(['a@x.com']);
    expect(await run(db, 'email_opt_in = false')).toEqual(['b@x.com', 'c@x.com', 'd@x.com']);
    expect(await run(db, 'bounced = true')).toEqual(['c@x.com']);
    expect(await run(db, 'segment = "Hot Leads"')).toEqual(['a@x.com', 'c@x.com']);
    expect(await run(db, 'segment != "Hot Leads"')).toEqual(['b@x.com', 'd@x.com']);
    expect(await run(db, 'segment in ("Nope", "Hot Leads")')).toEqual(['a@x.com', 'c@x.com']);
  });

  it('runs custom fields: ordered selects and typed values read defensively', async () => {
    const db = getDb();
    expect(await run(db, 'company_size >= "11-50"')).toEqual(['a@x.com', 'b@x.com']);
    expect(await run(db, 'company_size < "51-200"')).toEqual(['b@x.com', 'c@x.com']);
    expect(await run(db, 'company_size between "1-10" and "11-50"')).toEqual([
      'b@x.com',
      'c@x.com',
    ]);
    expect(await run(db, 'company_size in ("1-10", "51-200")')).toEqual(['a@x.com', 'c@x.com']);
    // "many" is not a number: read as missing, not a failed cast.
    expect(await run(db, 'seats > 2')).toEqual(['a@x.com', 'c@x.com']);
    expect(await run(db, 'seats is empty')).toEqual(['b@x.com', 'd@x.com']);
    expect(await run(db, 'renewal < 2026-06-01')).toEqual(['a@x.com']);
    expect(await run(db, 'trial = false')).toEqual(['b@x.com']);
  });
});
