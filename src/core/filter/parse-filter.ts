import type { CompareOp, FieldName, FilterAst, Literal, WithinUnit } from './ast.ts';
import { filterError } from './filter-error.ts';
import { tokenize, type Token } from './tokenize.ts';

const COMPARE_OPS: readonly string[] = ['=', '!=', '<', '<=', '>', '>='];
const CONDITION_OPERATORS = [...COMPARE_OPS, 'contains', 'between', 'in', 'not in', 'is', 'within'];
const UNITS: Record<string, WithinUnit> = {
  hour: 'hours',
  hours: 'hours',
  day: 'days',
  days: 'days',
  week: 'weeks',
  weeks: 'weeks',
  month: 'months',
  months: 'months',
};
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'contains',
  'between',
  'in',
  'is',
  'empty',
  'within',
]);

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the filter';
    case 'string':
      return `"${token.value}"`;
    case 'number':
      return token.text;
    case 'date':
    case 'timestamp':
      return token.value;
    default:
      return `"${token.text}"`;
  }
}

/** Recursive descent over the tokens; precedence: `not` binds tighter than `and`, `and` than `or`. */
class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterAst {
    if (this.peek().type === 'end') {
      throw filterError('The filter is empty', { position: 0, expected: ['a condition'] });
    }
    const ast = this.parseOr();
    const rest = this.peek();
    if (rest.type !== 'end') {
      const expected =
        rest.type === 'op' && rest.text === ')'
          ? ['"and"', '"or"']
          : ['"and"', '"or"', 'the end of the filter'];
      throw this.unexpected(rest, expected);
    }
    return ast;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index += 1;
    return token;
  }

  private isWord(word: string, token = this.peek()): boolean {
    return token.type === 'word' && token.text.toLowerCase() === word;
  }

  private isOp(op: string, token = this.peek()): boolean {
    return token.type === 'op' && token.text === op;
  }

  private unexpected(token: Token, expected: string[]): Error {
    return filterError(`Expected ${expected.join(' or ')} but found ${describe(token)}`, {
      position: token.position,
      expected,
    });
  }

  private parseOr(): FilterAst {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.next();
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterAst {
    let left = this.parseNot();
    while (this.isWord('and')) {
      this.next();
      left = { type: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): FilterAst {
    const token = this.peek();
    if (this.isWord('not', token)) {
      this.next();
      return { type: 'not', operand: this.parseNot(), position: token.position };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterAst {
    const token = this.peek();
    if (this.isOp('(', token)) {
      this.next();
      const inner = this.parseOr();
      const close = this.peek();
      if (!this.isOp(')', close)) throw this.unexpected(close, ['")"', '"and"', '"or"']);
      this.next();
      return inner;
    }
    if (token.type !== 'word' || KEYWORDS.has(token.text.toLowerCase())) {
      throw this.unexpected(token, ['a field name', '"not"', '"("']);
    }
    this.next();
    return this.parseCondition({ name: token.text.toLowerCase(), position: token.position });
  }

  private parseCondition(field: FieldName): FilterAst {
    const token = this.next();
    const position = token.position;
    if (token.type === 'op' && COMPARE_OPS.includes(token.text)) {
      return {
        type: 'compare',
        field,
        op: token.text as CompareOp,
        value: this.literal(),
        position,
      };
    }
    if (this.isWord('contains', token)) {
      return { type: 'contains', field, value: this.literal(), position };
    }
    if (this.isWord('between', token)) {
      const low = this.literal();
      const and = this.peek();
      if (!this.isWord('and', and)) throw this.unexpected(and, ['"and"']);
      this.next();
      return { type: 'between', field, low, high: this.literal(), position };
    }
    if (this.isWord('in', token)) return { type: 'in', field, values: this.list(), position };
    if (this.isWord('not', token)) {
      const inToken = this.peek();
      if (!this.isWord('in', inToken)) throw this.unexpected(inToken, ['"in"']);
      this.next();
      return {
        type: 'not',
        operand: { type: 'in', field, values: this.list(), position },
        position,
      };
    }
    if (this.isWord('is', token)) {
      let negated = false;
      if (this.isWord('not')) {
        this.next();
        negated = true;
      }
      const empty = this.peek();
      if (!this.isWord('empty', empty)) {
        throw this.unexpected(empty, negated ? ['"empty"'] : ['"empty"', '"not empty"']);
      }
      this.next();
      return { type: 'empty', field, negated, position };
    }
    if (this.isWord('within', token)) {
      const amount = this.peek();
      if (amount.type !== 'number' || !Number.isInteger(amount.value) || amount.value <= 0) {
        throw this.unexpected(amount, ['a whole number greater than 0']);
      }
      this.next();
      const unitToken = this.peek();
      const unit = unitToken.type === 'word' ? UNITS[unitToken.text.toLowerCase()] : undefined;
      if (unit === undefined)
        throw this.unexpected(unitToken, ['"hours"', '"days"', '"weeks"', '"months"']);
      this.next();
      return { type: 'within', field, amount: amount.value, unit, position };
    }
    throw this.unexpected(
      token,
      CONDITION_OPERATORS.map((o) => `"${o}"`),
    );
  }

  private list(): Literal[] {
    const open = this.peek();
    if (!this.isOp('(', open)) throw this.unexpected(open, ['"("']);
    this.next();
    const values = [this.literal()];
    while (this.isOp(',')) {
      this.next();
      values.push(this.literal());
    }
    const close = this.peek();
    if (!this.isOp(')', close)) throw this.unexpected(close, ['","', '")"']);
    this.next();
    return values;
  }

  private literal(): Literal {
    const token = this.peek();
    const position = token.position;
    switch (token.type) {
      case 'string':
      case 'date':
      case 'timestamp':
        this.next();
        return { kind: token.type, value: token.value, position };
      case 'number':
        this.next();
        return { kind: 'number', value: token.value, position };
      case 'word': {
        const word = token.text.toLowerCase();
        if (word === 'true' || word === 'false') {
          this.next();
          return { kind: 'boolean', value: word === 'true', position };
        }
        throw filterError(
          `Expected a value but found ${describe(token)} (text values go in double quotes)`,
          { position, expected: ['a value'], suggestion: `"${token.text}"` },
        );
      }
      default:
        throw this.unexpected(token, ['a value']);
    }
  }
}

/**
 * Parses filter text into an AST. Conditions are `field op value`; `not` binds tighter than
 * `and`, which binds tighter than `or`; parentheses group. Keywords are case-insensitive and
 * field names are read in lower case.
 *
 * @example
 * parseFilter('lead_score > 50 and tags contains "enterprise"');
 * // { type: 'and', left: { type: 'compare', ... }, right: { type: 'contains', ... } }
 */
export function parseFilter(text: string): FilterAst {
  return new Parser(tokenize(text)).parse();
}
