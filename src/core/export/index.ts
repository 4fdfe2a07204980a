/**
 * Export engine: field selection and the format writers. Writers are pure: they take pages of
 * `ExportContact`s and write bytes to a `ByteSink`; reading from storage happens elsewhere.
 */
export * from './types.ts';
export { FIELD_GROUPS, selectColumns, type FieldGroupName } from './select-columns.ts';
export { CSV_LIST_SEPARATOR, createCsvWriter, sinkWriter, type SinkWriter } from './csv-writer.ts';
export { contactObject, createJsonWriter, createNdjsonWriter } from './json-writer.ts';
