/**
 * One measured run of the import benchmark, in its own process so that its peak RSS is its own.
 * Started by bench/import.ts; prints one JSON line (RunResult) on stdout.
 *
 *   node bin/run-ts.js bench/import-child.ts MODE FILE ROWS (--url URL | --data-dir DIR) [--no-fuzzy]
 *
 * MODE: `roster` (createImportJob + runImport, end to end), `copy` (the COPY floor),
 * `rowwise` (the spec's processRows, PostgreSQL only).
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { createImportJob } from '../src/jobs/create-import.ts';
import type { ImportRequest } from '../src/jobs/plan-import.ts';
import { runImport } from '../src/jobs/run-import.ts';
import { fileSource } from '../src/files/file-source.ts';
import { openDatabase } from '../src/store/connection.ts';
import type { ImportCounters } from '../src/store/import-journal.ts';
import { findTenantByName } from '../src/store/tenants.ts';
import { copyContacts } from './import-copy.ts';
import { rowByRowImport } from './import-rowwise.ts';

export interface RunResult {
  rows: number;
  seconds: number;
  peakRssMb: number;
  /** CPU time of this process (Node; for PGlite also the database). */
  cpuSeconds: number;
  counters?: ImportCounters;
  rowwise?: { created: number; updated: number; skipped: number; errors: number };
}

/** What the Roster run asks for: update existing contacts, tag every row, US national phones. */
const BENCH_REQUEST: ImportRequest = {
  merge: { strategy: 'update' },
  tags: ['bench-import'],
  transform: { defaultCountry: 'US' },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const [mode, file, rowsArg] = process.argv.slice(2);
const url = arg('url');
const dataDir = arg('data-dir');
if (!mode || !file || !rowsArg || (!url && !dataDir)) {
  console.error('usage: import-child.ts MODE FILE ROWS (--url URL | --data-dir DIR) [--no-fuzzy]');
  process.exit(2);
}
const open = await openDatabase(url ? { databaseUrl: url } : { dataDir: dataDir! });
const tenant = await findTenantByName(open.db, 'default');
if (!tenant) throw new Error('the benchmark database has no default tenant');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result: Partial<RunResult> = {};
if (mode === 'roster') {
  const source = fileSource(file);
  const request: ImportRequest = process.argv.includes('--no-fuzzy')
    ? { ...BENCH_REQUEST, fuzzy: null }
    : BENCH_REQUEST;
  const { job } = await createImportJob(
    open.db,
    tenant.id,
    source,
    `file:${file}`,
    request,
    'bench',
  );
  const summary = await runImport({ db: open.db, tenantId: tenant.id, source }, job.id);
  result.counters = summary.counters;
  result.rows = summary.counters.rowsProcessed;
} else if (mode === 'copy') {
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ from_line: 2 }));
  result.rows = await copyContacts(open.raw, tenant.id, parser as AsyncIterable<string[]>);
} else if (mode === 'rowwise') {
  if (!url) throw new Error('the row-by-row reference runs on PostgreSQL only');
  const { rows, ...outcome } = await rowByRowImport(url, tenant.id, file, Number(rowsArg));
  result.rows = rows;
  result.rowwise = outcome;
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await open.close();
const out: RunResult = {
  rows: result.rows ?? 0,
  seconds,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  ...(result.counters ? { counters: result.counters } : {}),
  ...(result.rowwise ? { rowwise: result.rowwise } : {}),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
