/**
 * The shapes of a parsed filter (`FilterAst`) and of a checked one (`TypedFilter`).
 *
 * Positions are 0-based character offsets into the filter text, so an editor can underline the
 * exact place of an error.
 */

/** A literal as written: strings in double quotes, numbers, booleans, ISO dates and timestamps. */
export type Literal =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: number; position: number }
  | { kind: 'boolean'; value: boolean; position: number }
  | { kind: 'date'; value: string; position: number }
  | { kind: 'timestamp'; value: string; position: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type WithinUnit = 'hours' | 'days' | 'weeks' | 'months';

/** A field as written: `country`, `company_size` or `custom:company_size`. */
export interface FieldName {
  name: string;
  position: number;
}

/** One parsed condition or combination, parameterised by how a field is represented. */
export type FilterNode<F> =
  | { type: 'compare'; field: F; op: CompareOp; value: Literal; position: number }
  | { type: 'contains'; field: F; value: Literal; position: number }
  | { type: 'between'; field: F; low: Literal; high: Literal; position: number }
  | { type: 'in'; field: F; values: Literal[]; position: number }
  | { type: 'empty'; field: F; negated: boolean; position: number }
  | { type: 'within'; field: F; amount: number; unit: WithinUnit; position: number }
  | { type: 'and'; left: FilterNode<F>; right: FilterNode<F> }
  | { type: 'or'; left: FilterNode<F>; right: FilterNode<F> }
  | { type: 'not'; operand: FilterNode<F>; position: number };

export type FilterAst = FilterNode<FieldName>;

/**
 * How a checked field is read: a standard column, a consent flag derived from a status column,
 * the segment pseudo-field, or a value in `contacts.custom`.
 */
export type FieldKind =
  | 'text'
  | 'number'
  | 'date'
  | 'timestamp'
  | 'boolean'
  | 'list'
  | 'consent'
  | 'segment'
  | 'select'
  | 'multi_select';

export interface ResolvedField {
  /** As written in the filter. */
  name: string;
  position: number;
  source: 'standard' | 'custom' | 'segment';
  /** Column name (standard) or key in `contacts.custom` (custom). */
  key: string;
  kind: FieldKind;
  /** Options of a select / multi_select custom field, in their order. */
  options?: readonly string[];
}

export type TypedFilter = FilterNode<ResolvedField>;
