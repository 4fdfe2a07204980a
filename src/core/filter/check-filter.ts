import { closest, distance } from 'fastest-levenshtein';
import {
  CUSTOM_PREFIX,
  STANDARD_FIELDS,
  standardField,
  type CustomFieldDef,
  type StandardField,
} from '../model/fields.ts';
import type {
  FieldKind,
  FieldName,
  FilterAst,
  Literal,
  ResolvedField,
  TypedFilter,
} from './ast.ts';
import { filterError } from './filter-error.ts';

export interface CheckFilterOptions {
  customFields: readonly CustomFieldDef[];
}

type Operator = 'compare' | 'order' | 'contains' | 'between' | 'in' | 'empty' | 'within';

/** What each kind of field allows: `compare` is = and !=, `order` is < <= > >=. */
const ALLOWED: Record<FieldKind, readonly Operator[]> = {
  text: ['compare', 'contains', 'in', 'empty'],
  number: ['compare', 'order', 'between', 'in', 'empty'],
  date: ['compare', 'order', 'between', 'within', 'empty'],
  timestamp: ['compare', 'order', 'between', 'within', 'empty'],
  boolean: ['compare', 'empty'],
  consent: ['compare'],
  segment: ['compare', 'in'],
  list: ['contains', 'empty'],
  select: ['compare', 'order', 'between', 'in', 'empty'],
  multi_select: ['contains', 'empty'],
};

const OPERATOR_TEXT: Record<Operator, string> = {
  compare: '= !=',
  order: '< <= > >=',
  contains: 'contains',
  between: 'between',
  in: 'in',
  empty: 'is empty',
  within: 'within',
};

const VALUE_KINDS: Record<FieldKind, readonly Literal['kind'][]> = {
  text: ['string'],
  list: ['string'],
  select: ['string'],
  multi_select: ['string'],
  segment: ['string'],
  number: ['number'],
  date: ['date'],
  timestamp: ['date', 'timestamp'],
  boolean: ['boolean'],
  consent: ['boolean'],
};

const VALUE_TEXT: Record<Literal['kind'], string> = {
  string: 'a string in double quotes',
  number: 'a number',
  boolean: 'true or false',
  date: 'a date (2025-10-01)',
  timestamp: 'a timestamp (2025-10-01T09:30:00Z)',
};

function standardKind(field: StandardField): FieldKind {
  if (field.key === 'email_opt_in' || field.key === 'sms_opt_in') return 'consent';
  if (field.multi) return 'list';
  switch (field.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'date':
    case 'timestamp':
    case 'boolean':
      return field.type;
    default:
      return 'text';
  }
}

/** The closest known name, when it is close enough to be a plausible typo. */
function suggest(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(name, [...candidates]);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

class Checker {
  private readonly custom: Map<string, CustomFieldDef>;

  constructor(options: CheckFilterOptions) {
    this.custom = new Map(options.customFields.map((d) => [d.key, d]));
  }

  check(node: FilterAst): TypedFilter {
    switch (node.type) {
      case 'and':
      case 'or':
        return { type: node.type, left: this.check(node.left), right: this.check(node.right) };
      case 'not':
        return { type: 'not', operand: this.check(node.operand), position: node.position };
      case 'compare': {
        const field = this.resolve(node.field);
        const isOrder = node.op !== '=' && node.op !== '!=';
        this.allow(field, isOrder ? 'order' : 'compare', node.position, node.op);
        return { ...node, field, value: this.value(field, node.value) };
      }
      case 'contains': {
        const field = this.resolve(node.field);
        this.allow(field, 'contains', node.position, 'contains');
        return { ...node, field, value: this.value(field, node.value) };
      }
      case 'between': {
        const field = this.resolve(node.field);
        this.allow(field, 'between', node.position, 'between');
        return {
          ...node,
          field,
          low: this.value(field, node.low),
          high: this.value(field, node.high),
        };
      }
      case 'in': {
        const field = this.resolve(node.field);
        this.allow(field, 'in', node.position, 'in');
        return { ...node, field, values: node.values.map((v) => this.value(field, v)) };
      }
      case 'empty': {
        const field = this.resolve(node.field);
        this.allow(field, 'empty', node.position, 'is empty');
        return { ...node, field };
      }
      case 'within': {
        const field = this.resolve(node.field);
        this.allow(field, 'within', node.position, 'within');
        return { ...node, field };
      }
    }
  }

  /**
   * Bare names are standard fields first, then custom keys; `custom:key` is always custom, so a
   * custom field that shares a standard field's key stays reachable.
   */
  private resolve(field: FieldName): ResolvedField {
    const { name, position } = field;
    if (name === 'segment')
      return { name, position, source: 'segment', key: name, kind: 'segment' };
    const isPrefixed = name.startsWith(CUSTOM_PREFIX);
    const key = isPrefixed ? name.slice(CUSTOM_PREFIX.length) : name;
    const standard = isPrefixed ? undefined : standardField(key);
    if (standard?.virtual) {
      throw filterError(`"${name}" is not stored and cannot be filtered on`, {
        position,
        expected: ['first_name', 'last_name'],
      });
    }
    if (standard) return { name, position, source: 'standard', key, kind: standardKind(standard) };
    const def = this.custom.get(key);
    if (def) {
      const resolved: ResolvedField = {
        name,
        position,
        source: 'custom',
        key,
        kind: def.type === 'number' ? 'number' : def.type,
      };
      if (def.options) resolved.options = def.options;
      return resolved;
    }
    const candidates = isPrefixed
      ? [...this.custom.keys()].map((k) => CUSTOM_PREFIX + k)
      : [
          'segment',
          ...STANDARD_FIELDS.filter((f) => !f.virtual).map((f) => f.key),
          ...this.custom.keys(),
        ];
    const suggestion = suggest(name, candidates);
    throw filterError(`Unknown field "${name}"`, {
      position,
      expected: ['a standard field, a custom field or "segment"'],
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  }

  private allow(field: ResolvedField, op: Operator, position: number, written: string): void {
    const allowed = ALLOWED[field.kind];
    if (allowed.includes(op)) return;
    const expected = allowed.map((o) => OPERATOR_TEXT[o]);
    throw filterError(
      `"${written}" does not apply to ${field.name} (${field.kind}); it allows ${expected.join(', ')}`,
      { position, expected },
    );
  }

  private value(field: ResolvedField, literal: Literal): Literal {
    const kinds = VALUE_KINDS[field.kind];
    if (!kinds.includes(literal.kind)) {
      const expected = kinds.map((k) => VALUE_TEXT[k]);
      throw filterError(
        `${field.name} takes ${expected.join(' or ')}, not ${VALUE_TEXT[literal.kind]}`,
        {
          position: literal.position,
          expected,
        },
      );
    }
    if (field.options && literal.kind === 'string' && !field.options.includes(literal.value)) {
      const suggestion = suggest(literal.value, field.options);
      throw filterError(`"${literal.value}" is not an option of ${field.name}`, {
        position: literal.position,
        expected: [...field.options],
        ...(suggestion === undefined ? {} : { suggestion }),
      });
    }
    return literal;
  }
}

/**
 * Checks a parsed filter against the tenant's fields: every field exists, every operator suits
 * the field's type, every value has the right type and every select value is an option.
 *
 * Field names: a bare name is a standard field when one has it, otherwise a custom field;
 * `custom:key` always names a custom field; `segment` is segment membership by name.
 *
 * @example
 * checkFilter(parseFilter('company_size >= "51-200"'), {
 *   customFields: [{ key: 'company_size', label: 'Size', type: 'select', options: ['1-50', '51-200'] }],
 * });
 */
export function checkFilter(ast: FilterAst, options: CheckFilterOptions): TypedFilter {
  return new Checker(options).check(ast);
}
