/**
 * Idempotency keys: a client sends `Idempotency-Key` with a request that must not run twice (the
 * API import). The first request claims the key before it does anything, recording a hash of its
 * body; its response is stored when it ends. A retry with the same key and body gets the stored
 * response; the same key with another body is refused. A request that fails gives its key back,
 * so the retry runs.
 *
 * Concurrency rule: the primary key (tenant_id, key) decides which of two simultaneous requests
 * runs; the other sees an unfinished claim and is told to wait (CONFLICT). A claim left unfinished
 * longer than `staleAfterSeconds` (its process died) is taken over by the next request.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import type { Database, JsonValue } from './schema.ts';

/** A response stored for a key, replayed to retries. */
export interface StoredResponse {
  statusCode: number;
  body: JsonValue;
}

/** How long an unfinished claim blocks retries before it counts as abandoned. */
export const STALE_CLAIM_SECONDS = 15 * 60;

/**
 * Claims `key` for a request whose body hashes to `requestSha256`. Returns null when the caller
 * now holds the key (and must later call `finishIdempotencyKey` or `releaseIdempotencyKey`), or
 * the stored response of the earlier request with the same body.
 * Throws RosterError('IDEMPOTENCY_MISMATCH') when the key was used with another body, and
 * RosterError('CONFLICT') while the earlier request is still running.
 *
 * @example
 * const replay = await claimIdempotencyKey(db, tenantId, key, requestHash(body));
 * if (replay) return reply.code(replay.statusCode).send(replay.body);
 */
export async function claimIdempotencyKey(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
  requestSha256: string,
  staleAfterSeconds = STALE_CLAIM_SECONDS,
): Promise<StoredResponse | null> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ tenant_id: tenantId, key, request_sha256: requestSha256 })
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return null;
  const existing = await db
    .selectFrom('idempotency_keys')
    .select(['request_sha256', 'status_code', 'response'])
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  // Released between our insert and this read: try once more from the start.
  if (!existing) return claimIdempotencyKey(db, tenantId, key, requestSha256, staleAfterSeconds);
  if (existing.request_sha256 !== requestSha256) {
    throw new RosterError(
      'IDEMPOTENCY_MISMATCH',
      'This Idempotency-Key was already used with a different request body; use a new key for a new request',
      { idempotencyKey: key },
    );
  }
  if (existing.status_code !== null) {
    return { statusCode: existing.status_code, body: existing.response };
  }
  // Only one of several retries takes an abandoned claim over: the first update moves created_at
  // to now, and PostgreSQL re-checks the condition for the others once it has committed.
  const takenOver = await db
    .updateTable('idempotency_keys')
    .set({ created_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .where('status_code', 'is', null)
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterSeconds})`)
    .executeTakeFirst();
  if (Number(takenOver.numUpdatedRows) === 1) return null;
  throw new RosterError(
    'CONFLICT',
    'A request with this Idempotency-Key is in progress; retry when it has finished',
    { idempotencyKey: key },
  );
}

/**
 * Stores the response of the request holding `key`, for its retries.
 *
 * @example
 * await finishIdempotencyKey(db, tenantId, key, { statusCode: 200, body: result });
 */
export async function finishIdempotencyKey(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: response.statusCode, response: JSON.stringify(response.body) })
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .execute();
}

/**
 * Gives an unfinished key back (its request failed), so that a retry runs again. A finished key
 * is left alone.
 *
 * @example
 * await releaseIdempotencyKey(db, tenantId, key);
 */
export async function releaseIdempotencyKey(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .where('status_code', 'is', null)
    .execute();
}

/**
 * SHA-256 of a JSON value in canonical form (object keys sorted at every level), so that two
 * bodies that differ only in key order or whitespace count as the same request.
 *
 * @example
 * requestHash({ b: 1, a: [1, 2] }) === requestHash({ a: [1, 2], b: 1 }); // true
 */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
