/**
 * Possible duplicates: existing contacts that are probably the same person as a row about to be
 * created, although no match key equals: a similar name and company (trigram similarity at or
 * above the threshold), or the same phone under another email. They are listed for review, and
 * merged only when the import asks for it.
 */
import { sql, type Kysely } from 'kysely';
import { STORED_COLUMNS, toStoredContact, type StoredContactRow } from './contact-columns.ts';
import type { Database } from './schema.ts';

export interface FuzzyProbe {
  row: number;
  name: NameProbe | null;
  phone: string | null;
}

/** What a row's name is compared by (see nameProbeOf). */
export interface NameProbe {
  /** roster_name_key of the row: lower("first last company"). */
  key: string;
  initial: string;
  last: string | null;
  company: string | null;
}

export interface PossibleDuplicate {
  row: number;
  match: StoredContactRow;
  /** 0..1; 1 for a phone match. */
  similarity: number;
  reason: 'name_company' | 'phone';
}

/**
 * The best possible duplicate per probe, if any. Candidates are "blocked" by index: the same
 * first initial and the same last name (or, for a row without a last name, the same company),
 * case-insensitive; trigram similarity of "first last company" then decides. A typo in the last
 * name is missed; that is the price of a look-up that stays fast on a million contacts.
 *
 * @example
 * const found = await findPossibleDuplicates(trx, tenantId, probes, 0.85);
 */
export async function findPossibleDuplicates(
  trx: Kysely<Database>,
  tenantId: string,
  probes: readonly FuzzyProbe[],
  threshold: number,
): Promise<Map<number, PossibleDuplicate>> {
  const out = new Map<number, PossibleDuplicate>();
  if (probes.length === 0) return out;
  const columns = sql.raw(STORED_COLUMNS.map((c) => `m.${c}`).join(', '));
  const inner = sql.raw(STORED_COLUMNS.map((c) => `c.${c}`).join(', '));
  // Rows with a last name are blocked by it; rows without one by their company. Two statements,
  // so each probe reads one small index range (an OR of both would read both ranges per row, and
  // a company's range can hold thousands of contacts).
  for (const block of ['last', 'company'] as const) {
    const group = probes.filter(
      (p) => p.name !== null && (block === 'last') === (p.name.last !== null),
    );
    if (group.length === 0) continue;
    const payload = group.map((p) => ({
      row: p.row,
      k: p.name?.key,
      f: p.name?.initial,
      b: block === 'last' ? p.name?.last : p.name?.company,
    }));
    const blockColumn = sql.raw(block === 'last' ? 'c.last_name' : 'c.company');
    const rows = await sql<Record<string, unknown>>`
      select r.row as probe_row, m.sim, ${columns}
      from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as r(row integer, k text, f text, b text)
      cross join lateral (
        select ${inner},
          similarity(roster_name_key(c.first_name, c.last_name, c.company), r.k) as sim
        from contacts c
        where c.tenant_id = ${tenantId}::uuid
          and lower(${blockColumn}) = r.b and lower(left(c.first_name, 1)) = r.f
          and similarity(roster_name_key(c.first_name, c.last_name, c.company), r.k) >= ${threshold}
        order by sim desc, c.created_at, c.id
        limit 1
      ) m`.execute(trx);
    collect(out, rows.rows, 'name_company');
  }
  const byPhone = probes.filter((p) => p.phone !== null && !out.has(p.row));
  if (byPhone.length > 0) {
    const rows = await sql<Record<string, unknown>>`
      select r.row as probe_row, ${columns}
      from jsonb_to_recordset(${JSON.stringify(byPhone.map((p) => ({ row: p.row, p: p.phone })))}::jsonb)
        as r(row integer, p text)
      cross join lateral (
        select ${inner} from contacts c
        where c.tenant_id = ${tenantId}::uuid and c.phone = r.p
        order by c.created_at, c.id
        limit 1
      ) m`.execute(trx);
    collect(out, rows.rows, 'phone');
  }
  return out;
}

/** Adds the found contacts by probe row; a phone match counts as fully similar. */
function collect(
  out: Map<number, PossibleDuplicate>,
  rows: readonly Record<string, unknown>[],
  reason: PossibleDuplicate['reason'],
): void {
  for (const row of rows) {
    const probe = Number(row['probe_row']);
    out.set(probe, {
      row: probe,
      match: toStoredContact(row),
      similarity: reason === 'phone' ? 1 : Number(row['sim']),
      reason,
    });
  }
}

/**
 * How a row's name is probed; null when it has no first name or neither a last name nor a
 * company (too little to call anyone a duplicate).
 *
 * @example
 * nameProbeOf({ first_name: 'Jon', last_name: 'Smith' }) // { key: 'jon smith ', initial: 'j', last: 'smith', company: null }
 */
export function nameProbeOf(fields: Record<string, unknown>): NameProbe | null {
  const part = (k: string): string =>
    typeof fields[k] === 'string' ? (fields[k] as string).trim() : '';
  const first = part('first_name');
  const last = part('last_name');
  const company = part('company');
  if (first === '' || (last === '' && company === '')) return null;
  return {
    key: `${part('first_name')} ${part('last_name')} ${part('company')}`.toLowerCase(),
    initial: first.slice(0, 1).toLowerCase(),
    last: last === '' ? null : last.toLowerCase(),
    company: company === '' ? null : company.toLowerCase(),
  };
}
