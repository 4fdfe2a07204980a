/**
 * Helpers for the format readers' tests: run one reader's sniff and rows directly (without
 * openTable) and collect what it yields and reports.
 */
import { expect } from 'vitest';
import { isRosterError } from '../errors.ts';
import type { ErrorCode, RosterError } from '../errors.ts';
import type { ByteSource } from '../model/byte-source.ts';
import type { RowIssue } from '../model/issue.ts';
import { collectRecords } from '../model/record.ts';
import type { RawRecord } from '../model/record.ts';
import type { FormatReader, ReadOptions, TableInfo } from './types.ts';

/** Sniffs and reads a whole source with one reader. */
export async function readWith(
  reader: FormatReader,
  src: ByteSource,
  options: ReadOptions = {},
): Promise<{ info: Partial<TableInfo>; rows: RawRecord[]; issues: RowIssue[] }> {
  const issues: RowIssue[] = [];
  const opts = { ...options, onIssue: (i: RowIssue) => issues.push(i) };
  const info = await reader.sniff(src, opts);
  const rows = await collectRecords(reader.rows(src, info as TableInfo, opts));
  return { info, rows, issues };
}

/** Awaits a promise that must reject with a RosterError of the given code, and returns it. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<RosterError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(Error);
  if (!isRosterError(err, code)) throw err;
  return err;
}
