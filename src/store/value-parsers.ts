/**
 * How column values come back from the database, made the same on both backends.
 *
 * node-postgres and PGlite disagree out of the box: `bigint` is a string in pg but a number or
 * BigInt in PGlite, and `date` is a JS Date in both but at local midnight in pg (so a birthday
 * moves a day west of UTC). Roster reads:
 * - `bigint` (int8) as a JS number, and throws rather than lose precision beyond 2^53 (counts and
 *   byte sizes never get there; silent rounding would be worse than a loud error);
 * - `date` as the ISO text `YYYY-MM-DD`, with no time zone to shift it;
 * - `numeric` as text (both backends already do), `timestamptz` as Date, json/jsonb parsed.
 * Arrays of int8 or date are not covered (no column uses them).
 */

/** PostgreSQL type OIDs whose parsing Roster overrides. */
export const PG_TYPE = { INT8: 20, DATE: 1082 } as const;

/**
 * Parses the text of an int8 value.
 *
 * @example
 * parseInt8('42'); // 42
 */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`bigint value ${text} is outside the safe integer range of JavaScript`);
  }
  return n;
}

/**
 * Keeps a `date` value as its ISO text.
 *
 * @example
 * parseDate('1990-04-01'); // '1990-04-01'
 */
export function parseDate(text: string): string {
  return text;
}

/** Parsers by type OID, in the shape PGlite's `parsers` option takes. */
export const VALUE_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  [PG_TYPE.INT8]: parseInt8,
  [PG_TYPE.DATE]: parseDate,
};
