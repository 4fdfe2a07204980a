/**
 * Errors for broken files and broken infrastructure. Problems with single rows are values
 * (`RowIssue`), never exceptions.
 *
 * Every code is listed here so that callers (CLI exit messages, HTTP error bodies, tests) can
 * switch on it without string guessing.
 */
export const ERROR_CODES = [
  // input files
  'FILE_EMPTY',
  'FILE_TOO_LARGE',
  'FILE_UNREADABLE',
  'FILE_NO_HEADER',
  'FORMAT_UNKNOWN',
  'FORMAT_UNSUPPORTED',
  'ENCODING_UNKNOWN',
  'CSV_MALFORMED',
  'XLSX_CORRUPT',
  'XLSX_LIMIT_EXCEEDED',
  'SHEET_NOT_FOUND',
  'XLS_CORRUPT',
  'JSON_MALFORMED',
  'JSON_SHAPE',
  // options and configuration
  'OPTION_INVALID',
  'CONFIG_INVALID',
  'FILTER_INVALID',
  // storage
  'DB_CONNECT_FAILED',
  'DB_MIGRATION_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  // jobs
  'JOB_STATE',
  'FILE_CHANGED',
  // accounts
  'PASSWORD_WEAK',
  // object storage and download links
  'KEY_INVALID',
  'LINK_INVALID',
  'LINK_EXPIRED',
  // the HTTP service
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'REQUEST_INVALID',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
  'IDEMPOTENCY_MISMATCH',
  // anything else that escaped a more precise code
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where in the input an error applies, when it applies to a place. */
export interface ErrorDetails {
  row?: number;
  column?: string;
  [key: string]: unknown;
}

/**
 * An error with a stable code.
 *
 * @example
 * throw new RosterError('SHEET_NOT_FOUND', 'No sheet named "Leads"', { sheets: ['Sheet1'] });
 */
export class RosterError extends Error {
  override readonly name = 'RosterError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a RosterError, optionally with the given code. */
export function isRosterError(err: unknown, code?: ErrorCode): err is RosterError {
  return err instanceof RosterError && (code === undefined || err.code === code);
}
