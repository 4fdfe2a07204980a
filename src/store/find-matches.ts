/**
 * The match stage's look-up: for a batch of rows, the existing contacts they identify, by the
 * tenant's match keys, in a few set-based queries per batch (never one per row).
 *
 * When several contacts share a key (an earlier import used the `create` strategy), the oldest
 * one is the match, so the result does not depend on the physical order of rows.
 */
import { sql, type Kysely } from 'kysely';
import type { MatchKeys } from '../core/dedupe/index.ts';
import { STORED_COLUMNS, toStoredContact, type StoredContactRow } from './contact-columns.ts';
import type { Database } from './schema.ts';

export interface MatchRequest {
  /** Lower-cased emails. */
  emails: readonly string[];
  /** E.164 phones. */
  phones: readonly string[];
}

export interface MatchIndex {
  byEmail: Map<string, StoredContactRow>;
  byPhone: Map<string, StoredContactRow>;
  /** Keyed by `email + U+001F + phone` (phone '' when blank), for the `email_and_phone` keys. */
  byEmailAndPhone: Map<string, StoredContactRow>;
}

/**
 * Loads the contacts that carry any of the given emails or phones. With `lock`, the rows are
 * locked (FOR UPDATE) until the surrounding transaction ends, so an edit made meanwhile cannot
 * be lost between the look-up and the write.
 *
 * @example
 * const index = await findMatches(trx, tenantId, { emails: ['a@x.co'], phones: [] }, true);
 * index.byEmail.get('a@x.co')?.contact.id;
 */
export async function findMatches(
  db: Kysely<Database>,
  tenantId: string,
  request: MatchRequest,
  lock: boolean,
): Promise<MatchIndex> {
  const index: MatchIndex = { byEmail: new Map(), byPhone: new Map(), byEmailAndPhone: new Map() };
  const columns = sql.raw(STORED_COLUMNS.map((c) => `c.${c}`).join(', '));
  const forUpdate = sql.raw(lock ? 'for update' : '');
  if (request.emails.length > 0) {
    const rows = await sql<Record<string, unknown>>`
      select ${columns}, lower(c.email) as match_key from contacts c
      where c.tenant_id = ${tenantId}::uuid and lower(c.email) = any(${[...request.emails]}::text[])
      order by c.created_at, c.id ${forUpdate}`.execute(db);
    for (const row of rows.rows) {
      const key = String(row['match_key']);
      const pairKey = `${key}\u001f${row['phone'] === null ? '' : String(row['phone'])}`;
      const contact = toStoredContact(row);
      if (!index.byEmail.has(key)) index.byEmail.set(key, contact);
      if (!index.byEmailAndPhone.has(pairKey)) index.byEmailAndPhone.set(pairKey, contact);
    }
  }
  if (request.phones.length > 0) {
    const rows = await sql<Record<string, unknown>>`
      select ${columns} from contacts c
      where c.tenant_id = ${tenantId}::uuid and c.phone = any(${[...request.phones]}::text[])
      order by c.created_at, c.id ${forUpdate}`.execute(db);
    for (const row of rows.rows) {
      const key = String(row['phone']);
      if (!index.byPhone.has(key)) index.byPhone.set(key, toStoredContact(row));
    }
  }
  return index;
}

/** Which look-ups a tenant's match keys need. */
export function lookupsFor(matchKeys: MatchKeys): { email: boolean; phone: boolean } {
  return { email: true, phone: matchKeys !== 'email' };
}
