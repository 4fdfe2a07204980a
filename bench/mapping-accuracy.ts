/**
 * Mapping accuracy on real export layouts: runs `profileColumns` + `suggestMapping` on every
 * fixture in test/fixtures/headers/ (the header row a tool writes, with a few made-up rows) and
 * compares each column with the field test/fixtures/headers/expected.json says it should get
 * (null: not imported). Prints per tool: columns, correct, accuracy; then the total.
 *
 *   node bin/run-ts.js bench/mapping-accuracy.ts [--verbose]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { profileColumns } from '../src/core/map/profile-columns.ts';
import { suggestMapping } from '../src/core/map/suggest-mapping.ts';
import type { ColumnSuggestion } from '../src/core/map/types.ts';
import type { RawRecord } from '../src/core/model/record.ts';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/headers/', import.meta.url));

/**
 * Fixtures whose expected mapping was written before the mapper ever ran on them and that have
 * not been tuned for since: their accuracy is the fair estimate. Add new layouts here first.
 * Empty now: the two held-out batches were measured (numbers in SOURCES.md) and then fixed for.
 */
export const HELD_OUT: ReadonlySet<string> = new Set<string>([]);

export interface ColumnOutcome {
  header: string;
  expected: string | null;
  got: string | null;
  method: ColumnSuggestion['method'];
  confidence: number;
}

export interface ToolResult {
  tool: string;
  columns: number;
  correct: number;
  accuracy: number;
  /** Columns expected to be imported that got the right field / all such columns. */
  mappedCorrect: number;
  mappedColumns: number;
  outcomes: ColumnOutcome[];
}

/** The fixture's header and data rows, as a reader would hand them over. */
export function readFixture(tool: string): { header: string[]; records: RawRecord[] } {
  const rows = parse(readFileSync(`${FIXTURES}${tool}.csv`), {
    bom: true,
    relax_column_count: true,
  }) as string[][];
  const [header = [], ...data] = rows;
  return { header, records: data.map((cells, i) => ({ rowNumber: i + 2, cells })) };
}

/** The expected field of every column, per tool. */
export function readExpected(): Record<string, Record<string, string | null>> {
  return JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as Record<
    string,
    Record<string, string | null>
  >;
}

/** Maps every fixture and scores it against expected.json. */
export function evaluateFixtures(): ToolResult[] {
  const expected = readExpected();
  return Object.entries(expected).map(([tool, want]) => {
    const { header, records } = readFixture(tool);
    const suggestions = suggestMapping(profileColumns(header, records), {
      customFields: [],
      hasHeader: true,
    });
    const outcomes = suggestions.map((s) => ({
      header: s.header,
      expected: want[s.header] ?? null,
      got: s.field,
      method: s.method,
      confidence: s.confidence,
    }));
    const correct = outcomes.filter((o) => o.expected === o.got).length;
    const mapped = outcomes.filter((o) => o.expected !== null);
    return {
      tool,
      columns: outcomes.length,
      correct,
      accuracy: outcomes.length === 0 ? 1 : correct / outcomes.length,
      mappedCorrect: mapped.filter((o) => o.expected === o.got).length,
      mappedColumns: mapped.length,
      outcomes,
    };
  });
}

function main(): void {
  const verbose = process.argv.includes('--verbose');
  const results = evaluateFixtures();
  const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
  const rows = results.map((r) => [
    r.tool,
    String(r.columns),
    String(r.correct),
    pct(r.accuracy),
    `${r.mappedCorrect}/${r.mappedColumns}`,
  ]);
  const total = (label: string, of: ToolResult[]): string[] => {
    const columns = of.reduce((n, r) => n + r.columns, 0);
    const correct = of.reduce((n, r) => n + r.correct, 0);
    const mappedCorrect = of.reduce((n, r) => n + r.mappedCorrect, 0);
    const mappedColumns = of.reduce((n, r) => n + r.mappedColumns, 0);
    return [
      label,
      String(columns),
      String(correct),
      pct(columns === 0 ? 1 : correct / columns),
      `${mappedCorrect}/${mappedColumns}`,
    ];
  };
  rows.push(total('TOTAL', results));
  if (HELD_OUT.size > 0) {
    rows.push(
      total(
        'held out',
        results.filter((r) => HELD_OUT.has(r.tool)),
      ),
    );
    rows.push(
      total(
        'tuned on',
        results.filter((r) => !HELD_OUT.has(r.tool)),
      ),
    );
  }
  const head = ['tool', 'columns', 'correct', 'accuracy', 'fields found'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length + 2)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const mark = (r: string[]): string[] => (HELD_OUT.has(r[0]!) ? [`${r[0]} *`, ...r.slice(1)] : r);
  console.log(line(head));
  for (const r of rows) {
    if (r[0] === 'TOTAL') console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    console.log(line(mark(r)));
  }
  if (HELD_OUT.size > 0) {
    console.log('* held out: expected mapping written before the mapper ran on the file');
  }
  if (verbose) {
    for (const r of results) {
      for (const o of r.outcomes.filter((x) => x.expected !== x.got)) {
        console.log(
          `${r.tool}: "${o.header}" expected ${o.expected} got ${o.got} (${o.method} ${o.confidence})`,
        );
      }
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
