/**
 * A problem found in one row (or one column, or the file as a whole) that does not stop the
 * import. `error` rejects the row; `warning` keeps the row and reports the value; `info` is a
 * note (for example a blank row that was skipped).
 */
export type Severity = 'error' | 'warning' | 'info';

export interface RowIssue {
  /** Spreadsheet row (header = 1); null for file-level issues. */
  row: number | null;
  /** Column as a person sees it: the header text, or "Column N" when the file has no header. */
  column: string | null;
  /** 1-based column index, when the issue concerns one column. */
  columnIndex?: number;
  /** The Roster field the column maps to, when known. */
  field: string | null;
  /** The offending value, cut to a reasonable length for reports. */
  value: string | null;
  code: string;
  severity: Severity;
  message: string;
}

/** Receives issues as a stream produces them (readers do not buffer issues). */
export type IssueSink = (issue: RowIssue) => void;

const MAX_REPORTED_VALUE = 200;

/** Shortens a value for an issue report; the full value stays in the source file. */
export function reportValue(value: string | null | undefined): string | null {
  if (value == null) return null;
  return value.length > MAX_REPORTED_VALUE ? `${value.slice(0, MAX_REPORTED_VALUE)}…` : value;
}

/**
 * Builds a RowIssue with defaults for the optional parts.
 *
 * @example
 * issue({ row: 7, code: 'row_too_short', message: 'Row has 3 cells, header has 5' })
 */
export function issue(parts: Partial<RowIssue> & Pick<RowIssue, 'code' | 'message'>): RowIssue {
  return {
    row: parts.row ?? null,
    column: parts.column ?? null,
    ...(parts.columnIndex !== undefined ? { columnIndex: parts.columnIndex } : {}),
    field: parts.field ?? null,
    value: reportValue(parts.value),
    code: parts.code,
    severity: parts.severity ?? 'warning',
    message: parts.message,
  };
}
