import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateFixtures, readExpected, readFixture } from '../bench/mapping-accuracy.ts';

// Real export layouts (test/fixtures/headers/SOURCES.md): every column must get the field
// expected.json gives it. A failure here names the tool and the column.

const dir = fileURLToPath(new URL('./fixtures/headers/', import.meta.url));
const expected = readExpected();
const results = new Map(evaluateFixtures().map((r) => [r.tool, r]));

describe('mapping of real export headers', () => {
  it('covers at least 12 tools, each with a header fixture and an expected mapping', () => {
    const csvs = readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .map((f) => f.replace(/\.csv$/, ''))
      .sort();
    expect(csvs).toEqual(Object.keys(expected).sort());
    expect(csvs.length).toBeGreaterThanOrEqual(12);
  });

  for (const tool of Object.keys(expected)) {
    it(`maps every column of ${tool} as expected`, () => {
      const { header, records } = readFixture(tool);
      expect(Object.keys(expected[tool]!)).toEqual(header);
      expect(records.length).toBeGreaterThanOrEqual(2);
      const got = Object.fromEntries(results.get(tool)!.outcomes.map((o) => [o.header, o.got]));
      expect(got).toEqual(expected[tool]);
    });
  }
});
