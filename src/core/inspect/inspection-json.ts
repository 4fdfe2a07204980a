/**
 * The inspection as JSON: the shape `roster inspect --json` prints (README) and the API's inspect
 * route returns.
 */
import type { InspectResult } from './inspect-table.ts';

/**
 * @example
 * process.stdout.write(JSON.stringify(inspectionJson(await inspectTable(source))));
 */
export function inspectionJson(r: InspectResult): Record<string, unknown> {
  return {
    format: r.format,
    encoding: r.encoding,
    encodingConfidence: r.encodingConfidence,
    delimiter: r.delimiter,
    hasHeader: r.hasHeader,
    headerRow: r.headerRow,
    sheet: r.sheet,
    sheets: r.sheets,
    rowCount: r.rowCount,
    fingerprint: r.fingerprint,
    columns: r.columns.map((c) => ({
      index: c.index,
      header: c.header,
      field: c.field,
      confidence: Math.round(c.confidence * 100) / 100,
      method: c.method,
      inferredType: c.inferredType,
      samples: c.samples,
      ...(c.newCustomField ? { newCustomField: c.newCustomField } : {}),
    })),
    issues: r.issues.map((i) => ({
      row: i.row,
      column: i.column,
      code: i.code,
      severity: i.severity,
      message: i.message,
      ...(i.value !== null ? { value: i.value } : {}),
    })),
    issueCounts: r.issueCounts,
    issuesNotListed: r.issuesNotListed,
  };
}
