/**
 * The filter language of exports and segments: text → `parseFilter` → `checkFilter` →
 * `compileFilter` → a parameterised SQL condition over `contacts c`.
 *
 * ```
 * filter    := or
 * or        := and ("or" and)*
 * and       := not ("and" not)*
 * not       := "not" not | "(" filter ")" | condition
 * condition := field ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") value
 *            | field "contains" value | field "between" value "and" value
 *            | field ["not"] "in" "(" value ("," value)* ")" | field "is" ["not"] "empty"
 *            | field "within" N ("hours" | "days" | "weeks" | "months")
 * value     := "text with \" \\ \n \t \r escapes" | 12 | -1.5 | true | false
 *            | 2025-10-01 | 2025-10-01T09:30:00Z
 * field     := standard key | custom key | custom:key | segment
 * ```
 *
 * A bare field name is the standard field when one has that key, else the custom field;
 * `custom:key` always means the custom field. `email_opt_in = true` is consent status
 * `opted_in`. A bare date against a timestamp field means that whole day (session time zone).
 * Every condition is true or false, never null: `!=` and `not` include contacts without a value.
 */
export type * from './ast.ts';
export { tokenize, type Token } from './tokenize.ts';
export { parseFilter } from './parse-filter.ts';
export { checkFilter, type CheckFilterOptions } from './check-filter.ts';
export { compileFilter, type CompileFilterOptions, type CompiledFilter } from './compile-filter.ts';
