/**
 * Recognises PostgreSQL errors by SQLSTATE. node-postgres and PGlite both put the code on the
 * error object as `code`.
 */
export const SQLSTATE = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  CHECK_VIOLATION: '23514',
} as const;

/**
 * True when `err` is a database error with this SQLSTATE.
 *
 * @example
 * if (hasSqlState(err, SQLSTATE.UNIQUE_VIOLATION)) throw new RosterError('CONFLICT', '...');
 */
export function hasSqlState(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code;
}
