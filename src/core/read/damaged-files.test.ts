/**
 * Damaged spreadsheets and JSON: whatever bytes are flipped or cut, a reader either reads the
 * file or throws a RosterError with a code, and never hangs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import { collectRecords } from '../model/record.ts';
import { source, writeXls, writeXlsx } from '../../../test/fixtures/sheets/build.ts';
import { detectFormat } from '../sniff/format.ts';
import { jsonReader, ndjsonReader } from './json.ts';
import type { FormatReader, TableInfo } from './types.ts';
import { xlsReader } from './xls.ts';
import { xlsxReader } from './xlsx.ts';

const HANG_MS = 5000;

async function outcome(reader: FormatReader, name: string, bytes: Uint8Array): Promise<string> {
  const src = source(name, bytes, 97);
  const run = (async () => {
    const info = await reader.sniff(src, {});
    await collectRecords(reader.rows(src, info as TableInfo, { onIssue: () => {} }));
    return 'read';
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('hang'), HANG_MS);
  });
  const result = await Promise.race([
    run.catch((err: unknown) =>
      isRosterError(err) ? err.code : `not a RosterError: ${String(err)}`,
    ),
    hang,
  ]);
  clearTimeout(timer);
  return result;
}

const damage = (size: number) =>
  fc.record({
    flips: fc.array(fc.tuple(fc.nat(size - 1), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 8,
    }),
    cut: fc.option(fc.nat(size)),
  });

function damaged(
  base: Uint8Array,
  d: { flips: Array<[number, number]>; cut: number | null },
): Uint8Array {
  const bytes = Buffer.from(base);
  for (const [at, value] of d.flips) bytes[at] = value;
  return d.cut === null ? bytes : bytes.subarray(0, d.cut);
}

describe('damaged files', async () => {
  const xlsx = await writeXlsx((wb) => {
    const ws = wb.addWorksheet('S');
    ws.addRow(['email', 'n', 'joined']);
    for (let i = 0; i < 30; i++)
      ws.addRow([`u${i}@example.com`, i * 1.5, new Date(Date.UTC(2025, 0, i + 1))]);
  });
  const xls = writeXls({
    S: [['email', 'n'], ...Array.from({ length: 30 }, (_, i) => [`u${i}@example.com`, i])],
  });
  const json = Buffer.from(
    JSON.stringify(
      Array.from({ length: 20 }, (_, i) => ({
        email: `u${i}@example.com`,
        tags: ['a'],
        cf: { n: i },
      })),
    ),
  );
  const ndjson = Buffer.from(
    Array.from({ length: 20 }, (_, i) => JSON.stringify({ email: `u${i}@example.com`, n: i })).join(
      '\n',
    ),
  );

  const cases: Array<[string, FormatReader, string, Uint8Array]> = [
    ['xlsx', xlsxReader, 'x.xlsx', xlsx],
    ['xls', xlsReader, 'x.xls', xls],
    ['json', jsonReader, 'x.json', json],
    ['ndjson', ndjsonReader, 'x.ndjson', ndjson],
  ];
  for (const [format, reader, name, base] of cases) {
    it(`${format}: read or a coded error, never a hang`, async () => {
      await fc.assert(
        fc.asyncProperty(damage(base.byteLength), async (d) => {
          const result = await outcome(reader, name, damaged(base, d));
          expect(result).not.toBe('hang');
          expect(result).not.toMatch(/^not a RosterError/);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('detectFormat throws nothing but FORMAT_UNSUPPORTED on any bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('a.csv', 'a.xlsx', 'a.json', 'a'),
        (bytes, name) => {
          try {
            detectFormat(bytes, name);
          } catch (err) {
            expect(isRosterError(err, 'FORMAT_UNSUPPORTED')).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
