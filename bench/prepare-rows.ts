/**
 * Throughput of the database-free half of the import (read → transform → validate → in-file
 * dedupe) on the generated contacts CSV. A step towards issue 3's end-to-end import benchmark.
 *
 *   node bin/run-ts.js bench/prepare-rows.ts [--rows 100000]
 */
import { openTable } from '../src/core/read/open-table.ts';
import { prepareRows } from '../src/core/pipeline/prepare-rows.ts';
import { fileSource } from '../src/files/file-source.ts';
import { CONTACT_HEADER, generateContactsCsv } from './generate-contacts.ts';

const i = process.argv.indexOf('--rows');
const n = i > 0 ? Number(process.argv[i + 1]) : 100_000;
const path = `bench/data/contacts-${n}.csv`;
await generateContactsCsv(path, n);

const FIELDS: Record<string, string | null> = { custom_industry: 'custom:industry' };
const columns = CONTACT_HEADER.map((header, index) => ({
  index,
  header,
  field: header in FIELDS ? FIELDS[header]! : header,
}));

const t0 = performance.now();
const table = await openTable(fileSource(path));
const outcomes: Record<string, number> = {};
for await (const batch of prepareRows(table.records, {
  columns,
  transform: { defaultCountry: 'US' },
})) {
  for (const row of batch) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    rows: n,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(n / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    outcomes,
  }),
);
