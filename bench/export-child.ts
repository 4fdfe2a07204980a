/**
 * One measured run of the export benchmark, in its own process so that its peak RSS is its own.
 * Started by bench/export.ts; prints one JSON line (ExportRunResult) on stdout.
 *
 *   node bin/run-ts.js bench/export-child.ts MODE OUT_FILE (--url URL | --data-dir DIR)
 *
 * MODE: `csv`, `xlsx`, `json`, `ndjson` (runExport of every contact of the default tenant with
 * the default fields, end to end: custom fields, segments, recording the export), or `floor`
 * (`COPY (SELECT the same columns ...) TO STDOUT WITH CSV` into the file; on PGlite
 * `COPY ... TO '/dev/blob'`, which PGlite hands back as one Blob), or `pages` (exportPages
 * alone, pages read and dropped: how much of an export's time is reading from storage).
 */
import { once } from 'node:events';
import { createWriteStream, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { ExportFormat } from '../src/core/export/index.ts';
import { runExport } from '../src/jobs/run-export.ts';
import { openDatabase } from '../src/store/connection.ts';
import { exportPages } from '../src/store/export-contacts.ts';
import { findTenantByName } from '../src/store/tenants.ts';
import { floorQuery } from './export-floor.ts';

export interface ExportRunResult {
  rows: number;
  seconds: number;
  bytes: number;
  peakRssMb: number;
  /** RSS once the database is open and the code loaded, before the export: the part of the
   *  peak that is Node, tsx and the driver rather than the export. */
  startRssMb: number;
  /** CPU time of this process (Node; for PGlite also the database). */
  cpuSeconds: number;
}

const FORMATS: readonly string[] = ['csv', 'xlsx', 'json', 'ndjson'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const [mode, file] = process.argv.slice(2);
const url = arg('url');
const dataDir = arg('data-dir');
if (!mode || !file || (!url && !dataDir)) {
  console.error('usage: export-child.ts MODE OUT_FILE (--url URL | --data-dir DIR)');
  process.exit(2);
}
const open = await openDatabase(url ? { databaseUrl: url } : { dataDir: dataDir! });
const tenant = await findTenantByName(open.db, 'default');
if (!tenant) throw new Error('the benchmark database has no default tenant');
const startRssMb = process.memoryUsage().rss / 2 ** 20;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let rows: number;
if (FORMATS.includes(mode)) {
  const sink = createWriteStream(file, { highWaterMark: 1 << 20 });
  const result = await runExport(
    open.db,
    tenant.id,
    { format: mode as ExportFormat },
    sink,
    { fileName: `contacts.${mode}`, storageKey: file },
    undefined,
    { raw: open.raw },
  );
  rows = result.rows;
} else if (mode === 'floor') {
  const { sql, params } = await floorQuery(open.db, tenant.id);
  // COPY takes no parameters: the tenant id goes in as a literal, so it must be a plain uuid.
  if (!/^[0-9a-f-]{36}$/.test(params[0])) throw new Error(`not a uuid: ${params[0]}`);
  const text = `copy (${sql.replace('$1', `'${params[0]}'::uuid`)}) to %TARGET% with csv header`;
  if (open.raw.kind === 'postgres') {
    const client = await open.raw.pool.connect();
    try {
      const source = client.query(copyTo(text.replace('%TARGET%', 'stdout')));
      await pipeline(source, createWriteStream(file, { highWaterMark: 1 << 20 }));
      rows = Number(source.rowCount ?? 0);
    } finally {
      client.release();
    }
  } else {
    const result = await open.raw.pglite.query(text.replace('%TARGET%', `'/dev/blob'`));
    const blob = result.blob;
    if (!blob) throw new Error('PGlite returned no blob for COPY TO /dev/blob');
    const out = createWriteStream(file);
    out.end(Buffer.from(await blob.arrayBuffer()));
    await once(out, 'finish');
    rows = Number(result.affectedRows ?? 0);
  }
} else if (mode === 'pages') {
  rows = 0;
  const pages = exportPages(open.db, tenant.id, {}, undefined, { raw: open.raw });
  for await (const page of pages) rows += page.length;
  writeFileSync(file, '');
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await open.close();
const out: ExportRunResult = {
  rows,
  seconds,
  bytes: statSync(file).size,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  startRssMb,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
