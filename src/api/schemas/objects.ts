/**
 * Helpers the object routes share (exports, contacts, segments, notifications): ids that are
 * not UUIDs are simply not found, and page cursors.
 */
import { Type } from '@fastify/type-provider-typebox';
import { RosterError } from '../../core/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID; routes check before querying so that a malformed id is 404 like an unknown
 * one (and never reaches PostgreSQL as a failing cast).
 *
 * @example
 * isUuid('0190f1c2-7d4e-7c1a-9b1e-2f3a4b5c6d7e'); // true
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Throws NOT_FOUND naming the kind of object, unless `id` is a UUID.
 *
 * @example
 * const id = foundId('export', request.params.id);
 */
export function foundId(kind: string, id: string): string {
  if (!isUuid(id)) throw notFound(kind, id);
  return id;
}

/**
 * The NOT_FOUND error of an object that is not the caller's (or does not exist: the same).
 *
 * @example
 * if (!row) throw notFound('export', id);
 */
export function notFound(kind: string, id: string): RosterError {
  return new RosterError('NOT_FOUND', `No ${kind} ${id}`, { [kind]: id });
}

/**
 * Checks a keyset cursor (the id of the last item of the previous page): a malformed cursor is
 * the caller's mistake (400), not an empty page.
 *
 * @example
 * const after = cursorOf(request.query.after);
 */
export function cursorOf(after: string | undefined): string | undefined {
  if (after === undefined) return undefined;
  if (!isUuid(after)) {
    throw new RosterError('REQUEST_INVALID', 'The "after" cursor is not one this API gave out', {
      after,
    });
  }
  return after;
}

/**
 * A page from `limit + 1` rows: the first `limit`, and as `next` the id of the last of them
 * when there was one more.
 *
 * @example
 * const { items, next } = pageOf(await listExportsPage(db, tenantId, { limit: limit + 1 }), limit);
 */
export function pageOf<T extends { id: string }>(
  rows: readonly T[],
  limit: number,
): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

/** A value or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/**
 * A request value that may be null, as one JSON-schema type list. Not a union: with type
 * coercion on, Ajv would turn null into 0 or "" trying the first branch of an anyOf.
 *
 * @example
 * const body = Type.Object({ min: NullableInput<number>('number') }); // min: 3 or null
 */
export function NullableInput<T extends string | number>(
  type: 'string' | 'number' | 'integer',
  options: Record<string, unknown> = {},
) {
  return Type.Unsafe<T | null>({ ...options, type: [type, 'null'] });
}
