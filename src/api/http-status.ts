/**
 * The HTTP status of each error code: 4xx for what the caller can fix, 5xx for what the server
 * must (their details stay in the log).
 */
import type { ErrorCode } from '../core/errors.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  SHEET_NOT_FOUND: 422,
  CONFLICT: 409,
  JOB_STATE: 409,
  FILE_CHANGED: 409,
  FILE_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  LIMIT_EXCEEDED: 429,
  IDEMPOTENCY_MISMATCH: 422,
  LINK_EXPIRED: 410,
  LINK_INVALID: 404,
  DB_CONNECT_FAILED: 503,
  DB_MIGRATION_FAILED: 500,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
};

/** Broken or unreadable files, wrong options and filters: the request is understood but wrong. */
const UNPROCESSABLE: readonly ErrorCode[] = [
  'FILE_EMPTY',
  'FILE_UNREADABLE',
  'FILE_NO_HEADER',
  'FORMAT_UNKNOWN',
  'FORMAT_UNSUPPORTED',
  'ENCODING_UNKNOWN',
  'CSV_MALFORMED',
  'XLSX_CORRUPT',
  'XLSX_LIMIT_EXCEEDED',
  'XLS_CORRUPT',
  'JSON_MALFORMED',
  'JSON_SHAPE',
];

/**
 * @example
 * httpStatusOf('NOT_FOUND'); // 404
 */
export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? (UNPROCESSABLE.includes(code) ? 422 : 400);
}
