import type { CompareOp, Literal, ResolvedField, TypedFilter, WithinUnit } from './ast.ts';

export interface CompileFilterOptions {
  /** How many placeholders the caller uses before the filter's; the first is `$(offset + 1)`. */
  paramOffset?: number;
}

export interface CompiledFilter {
  /** A boolean SQL expression over table alias `c` (contacts). */
  sql: string;
  params: unknown[];
}

const CAST: Record<Literal['kind'], string> = {
  string: 'text',
  number: 'numeric',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
};

const CONSENT_COLUMN: Record<string, string> = {
  email_opt_in: 'c.email_consent_status',
  sms_opt_in: 'c.sms_consent_status',
};

const UNIT_INTERVAL: Record<WithinUnit, string> = {
  hours: `interval '1 hour'`,
  days: `interval '1 day'`,
  weeks: `interval '1 week'`,
  months: `interval '1 month'`,
};

/**
 * How a field is read. Custom values are read defensively (a value of the wrong JSON type reads
 * as missing instead of failing the whole query on a cast). Keys are safe to inline: the
 * tokenizer only lets `[A-Za-z_][A-Za-z0-9_]*` through and field names are lower-cased.
 */
function fieldSql(field: ResolvedField): string {
  if (field.source === 'standard') return `c.${field.key}`;
  const json = `c.custom->'${field.key}'`;
  const text = `(c.custom->>'${field.key}')`;
  switch (field.kind) {
    case 'number':
      return `(case when jsonb_typeof(${json}) = 'number' then ${text}::numeric end)`;
    case 'boolean':
      return `(case when jsonb_typeof(${json}) = 'boolean' then ${text}::boolean end)`;
    case 'date':
      return `(case when ${text} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then ${text}::date end)`;
    case 'multi_select':
      return `(${json})`;
    default:
      return text;
  }
}

class Compiler {
  readonly params: unknown[] = [];

  constructor(private readonly offset: number) {}

  private param(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.offset + this.params.length}::${cast}`;
  }

  private literal(value: Literal): string {
    return this.param(value.value, CAST[value.kind]);
  }

  compile(node: TypedFilter): string {
    switch (node.type) {
      case 'and':
      case 'or':
        return `(${this.compile(node.left)} ${node.type} ${this.compile(node.right)})`;
      case 'not':
        return `(not ${this.compile(node.operand)})`;
      default:
        // Every condition is true or false, never null, so `not` and `!=` include contacts that
        // have no value (two-valued logic, as a user reading the filter expects).
        return `coalesce(${this.condition(node)}, false)`;
    }
  }

  private condition(node: Exclude<TypedFilter, { type: 'and' | 'or' | 'not' }>): string {
    const field = node.field;
    switch (node.type) {
      case 'compare':
        return this.compare(field, node.op, node.value);
      case 'contains':
        return this.contains(field, node.value);
      case 'between':
        return this.between(field, node.low, node.high);
      case 'in':
        return this.in(field, node.values);
      case 'empty':
        return node.negated ? `not ${this.empty(field)}` : this.empty(field);
      case 'within': {
        const amount = this.param(node.amount, 'integer');
        return `${fieldSql(field)} >= now() - ${amount} * ${UNIT_INTERVAL[node.unit]}`;
      }
    }
  }

  private segment(nameSql: string): string {
    return (
      `exists (select 1 from segment_members sm join segments s` +
      ` on s.tenant_id = sm.tenant_id and s.id = sm.segment_id` +
      ` where ${nameSql} and sm.contact_id = c.id and sm.tenant_id = c.tenant_id)`
    );
  }

  private compare(field: ResolvedField, op: CompareOp, value: Literal): string {
    if (op === '!=') return `not coalesce(${this.compare(field, '=', value)}, false)`;
    if (field.kind === 'consent') {
      const status = `${CONSENT_COLUMN[field.key]!} = 'opted_in'`;
      return value.value === true ? status : `not (${status})`;
    }
    if (field.kind === 'segment') return this.segment(`s.name = ${this.literal(value)}`);
    if (field.kind === 'select' && op !== '=') {
      const options = this.param(field.options ?? [], 'text[]');
      const index = (field.options ?? []).indexOf(String(value.value)) + 1;
      return `array_position(${options}, ${fieldSql(field)}) ${op} ${this.param(index, 'integer')}`;
    }
    const column = fieldSql(field);
    if (field.kind === 'timestamp' && value.kind === 'date') {
      // A bare date against a timestamp means the whole day.
      const day = this.literal(value);
      switch (op) {
        case '=':
          return `(${column} >= ${day} and ${column} < ${day} + 1)`;
        case '<':
        case '>=':
          return `${column} ${op} ${day}`;
        case '<=':
          return `${column} < ${day} + 1`;
        case '>':
          return `${column} >= ${day} + 1`;
      }
    }
    return `${column} ${op} ${this.literal(value)}`;
  }

  private contains(field: ResolvedField, value: Literal): string {
    const needle = this.literal(value);
    if (field.kind === 'list') return `${needle} = any(${fieldSql(field)})`;
    if (field.kind === 'multi_select') return `${fieldSql(field)} @> jsonb_build_array(${needle})`;
    // strpos instead of LIKE: no wildcard escaping, `%` and `_` are plain characters.
    return `strpos(lower(${fieldSql(field)}), lower(${needle})) > 0`;
  }

  private between(field: ResolvedField, low: Literal, high: Literal): string {
    if (field.kind === 'select') {
      const options = field.options ?? [];
      const optionsSql = this.param(options, 'text[]');
      const lo = this.param(options.indexOf(String(low.value)) + 1, 'integer');
      const hi = this.param(options.indexOf(String(high.value)) + 1, 'integer');
      return `array_position(${optionsSql}, ${fieldSql(field)}) between ${lo} and ${hi}`;
    }
    const column = fieldSql(field);
    const lowSql = `${column} >= ${this.literal(low)}`;
    const highValue = this.literal(high);
    const highSql =
      field.kind === 'timestamp' && high.kind === 'date'
        ? `${column} < ${highValue} + 1`
        : `${column} <= ${highValue}`;
    return `(${lowSql} and ${highSql})`;
  }

  private in(field: ResolvedField, values: Literal[]): string {
    const first = values[0]!;
    const list = this.param(
      values.map((v) => v.value),
      `${CAST[first.kind]}[]`,
    );
    if (field.kind === 'segment') return this.segment(`s.name = any(${list})`);
    return `${fieldSql(field)} = any(${list})`;
  }

  private empty(field: ResolvedField): string {
    const column = fieldSql(field);
    switch (field.kind) {
      case 'list':
        return `cardinality(${column}) = 0`;
      case 'multi_select':
        return `coalesce(jsonb_array_length(case when jsonb_typeof(${column}) = 'array' then ${column} end), 0) = 0`;
      case 'text':
      case 'select':
        return `(${column} is null or ${column} = '')`;
      default:
        return `${column} is null`;
    }
  }
}

/**
 * Compiles a checked filter to a parameterised SQL condition over `contacts c`. Placeholders
 * are numbered from `paramOffset + 1`, so the caller can put its own (the tenant id) first.
 *
 * @example
 * const { sql, params } = compileFilter(checkFilter(parseFilter('lead_score > 50'), { customFields: [] }), { paramOffset: 1 });
 * // sql: 'coalesce(c.lead_score > $2::numeric, false)', params: [50]
 */
export function compileFilter(
  filter: TypedFilter,
  options: CompileFilterOptions = {},
): CompiledFilter {
  const compiler = new Compiler(options.paramOffset ?? 0);
  const sql = compiler.compile(filter);
  return { sql, params: compiler.params };
}
