/**
 * Export benchmark (issue 4): every contact of a seeded database (bench/export-seed.ts: the
 * import benchmark's contacts plus custom field definitions, consent and segments) exported
 * with the default fields to a file in CSV, XLSX, JSON and NDJSON through runExport, beside the
 * floor in the same run: `COPY (SELECT the same columns ...) TO STDOUT WITH CSV`
 * (bench/export-floor.ts).
 *
 * Every measured run is a child process (bench/export-child.ts) on a fresh database copied from
 * the template, so peak RSS and timings are the run's own. Flatness: CSV and XLSX run again at
 * each `--flat` size, to compare their peak RSS with the full run's.
 *
 *   node bin/run-ts.js bench/export.ts [--rows 1000000] [--backend pg|pglite]
 *     [--only floor,csv,xlsx,json,ndjson,pages] [--flat 100000[,...]] [--keep]
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), a role
 * that may create databases. Templates are built once per size (1M contacts on PostgreSQL: a few
 * minutes) and reused. Output files go to a temporary folder, removed at the end unless --keep.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportRunResult } from './export-child.ts';
import { ensureExportPgTemplate, ensureExportPgliteTemplate } from './export-seed.ts';
import { freshPgDatabase, freshPgliteDir } from './import-seed.ts';

type Mode = 'csv' | 'xlsx' | 'json' | 'ndjson' | 'floor' | 'pages';
type BackendName = 'pg' | 'pglite';

const MODES: readonly Mode[] = ['floor', 'pages', 'csv', 'xlsx', 'json', 'ndjson'];
/** `pages` (storage reads alone) is a diagnostic: run only when asked for. */
const DEFAULT_MODES: readonly Mode[] = ['floor', 'csv', 'xlsx', 'json', 'ndjson'];
/** Targets of issue 4. */
const CSV_SHARE_OF_FLOOR = 0.5;
const XLSX_ROWS_PER_SECOND = 50_000;
const RSS_LIMIT_MB = 256;

interface Measured {
  mode: Mode;
  rows: number;
  result: ExportRunResult;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const list = (s: string): string[] => s.split(',').filter((x) => x !== '');

const rows = Number(arg('rows', '1000000'));
const backendArg = arg('backend', 'pg');
if (backendArg !== 'pg' && backendArg !== 'pglite') {
  throw new Error(`--backend must be pg or pglite, not ${backendArg}`);
}
const backend: BackendName = backendArg;
const only = list(arg('only', DEFAULT_MODES.join(',')));
for (const m of only) {
  if (!(MODES as readonly string[]).includes(m)) throw new Error(`unknown --only item ${m}`);
}
const flat = list(arg('flat', '100000'))
  .map(Number)
  .filter((n) => n > 0 && n !== rows);
const keep = process.argv.includes('--keep');
const adminUrl =
  process.env['BENCH_DATABASE_URL']?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';

function runChild(args: string[]): Promise<ExportRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/export-child.ts', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as ExportRunResult);
    });
  });
}

async function template(n: number): Promise<string> {
  const t = performance.now();
  const name =
    backend === 'pg'
      ? await ensureExportPgTemplate(adminUrl, n)
      : await ensureExportPgliteTemplate(n);
  console.error(`template ${name} ready (${sec(t)} s)`);
  return name;
}

/** One child run on a fresh copy of the template. */
async function measure(mode: Mode, n: number, tpl: string, dir: string): Promise<Measured> {
  const ext = mode === 'floor' ? 'floor.csv' : mode === 'pages' ? 'pages' : mode;
  const file = join(dir, `contacts-${n}.${ext}`);
  console.error(`running ${mode} on ${backend}, ${fmt(n)} rows…`);
  let result: ExportRunResult;
  if (backend === 'pg') {
    const fresh = await freshPgDatabase(adminUrl, tpl, `export_${mode}_${n}`);
    try {
      result = await runChild([mode, file, '--url', fresh.url]);
    } finally {
      await fresh.drop();
    }
  } else {
    const fresh = freshPgliteDir(tpl);
    try {
      result = await runChild([mode, file, '--data-dir', fresh.dataDir]);
    } finally {
      fresh.drop();
    }
  }
  if (!keep) rmSync(file, { force: true });
  console.error(
    `  ${result.seconds.toFixed(1)} s, ${fmt(result.rows / result.seconds)} rows/s, ` +
      `${(result.bytes / 1e6).toFixed(0)} MB, peak RSS ${result.peakRssMb.toFixed(0)} MB`,
  );
  if (result.rows !== n) throw new Error(`${mode} exported ${result.rows} rows, expected ${n}`);
  return { mode, rows: n, result };
}

const label = (mode: Mode): string =>
  mode === 'floor' ? 'COPY floor' : mode === 'pages' ? 'read pages only' : mode;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sec = (t: number): string => ((performance.now() - t) / 1000).toFixed(1);
const rate = (m: Measured): number => m.result.rows / m.result.seconds;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-export-bench-'));
  const measured: Measured[] = [];
  try {
    const tpl = await template(rows);
    const flatTemplates = new Map<number, string>();
    for (const n of flat) flatTemplates.set(n, await template(n));
    for (const mode of MODES) {
      if (only.includes(mode)) measured.push(await measure(mode, rows, tpl, dir));
    }
    for (const [n, t] of flatTemplates) {
      for (const mode of ['csv', 'xlsx'] as const) {
        if (only.includes(mode)) measured.push(await measure(mode, n, t, dir));
      }
    }
  } finally {
    if (keep) console.error(`output files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  console.log(table(measured));
}

function table(measured: Measured[]): string {
  const floorOf = (n: number): Measured | undefined =>
    measured.find((m) => m.mode === 'floor' && m.rows === n);
  const lines = [
    `Export of every contact, default fields, ${backend === 'pg' ? 'PostgreSQL' : 'PGlite'}` +
      ` (${MODES.filter((m) => only.includes(m)).join(', ')})`,
    '',
    '| format | rows | seconds | rows/s | MB | peak RSS MB | RSS at start MB | client CPU s | vs floor |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of measured) {
    const r = m.result;
    const floor = floorOf(m.rows);
    const vs = m.mode === 'floor' ? '1.00' : floor ? (rate(m) / rate(floor)).toFixed(2) : '—';
    lines.push(
      `| ${label(m.mode)} | ${fmt(r.rows)} | ${r.seconds.toFixed(1)} | ${fmt(rate(m))} | ${(r.bytes / 1e6).toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.startRssMb.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | ${vs} |`,
    );
  }
  lines.push('', ...targets(measured, floorOf));
  return lines.join('\n');
}

function targets(measured: Measured[], floorOf: (n: number) => Measured | undefined): string[] {
  const out: string[] = ['Targets:'];
  const full = (mode: Mode): Measured | undefined =>
    measured.find((m) => m.mode === mode && m.rows === rows);
  const csv = full('csv');
  const floor = floorOf(rows);
  if (csv && floor) {
    const share = rate(csv) / rate(floor);
    out.push(
      `- CSV ≥ ${CSV_SHARE_OF_FLOOR} × floor: ${share.toFixed(2)} × → ${share >= CSV_SHARE_OF_FLOOR ? 'met' : 'NOT met'}`,
    );
  }
  const xlsx = full('xlsx');
  if (xlsx) {
    out.push(
      `- XLSX ≥ ${fmt(XLSX_ROWS_PER_SECOND)} rows/s: ${fmt(rate(xlsx))} → ${rate(xlsx) >= XLSX_ROWS_PER_SECOND ? 'met' : 'NOT met'}`,
    );
  }
  const formats = measured.filter((m) => m.mode !== 'floor' && m.mode !== 'pages');
  if (formats.length > 0) {
    const worst = formats.reduce((a, b) => (b.result.peakRssMb > a.result.peakRssMb ? b : a));
    out.push(
      `- peak RSS < ${RSS_LIMIT_MB} MB for every format: highest ${worst.result.peakRssMb.toFixed(0)} MB (${worst.mode}, ${fmt(worst.rows)} rows) → ${worst.result.peakRssMb < RSS_LIMIT_MB ? 'met' : 'NOT met'}`,
    );
  }
  for (const mode of ['csv', 'xlsx'] as const) {
    const runs = measured.filter((m) => m.mode === mode).sort((a, b) => a.rows - b.rows);
    if (runs.length > 1) {
      out.push(
        `- ${mode} peak RSS by rows: ${runs.map((m) => `${fmt(m.rows)} → ${m.result.peakRssMb.toFixed(0)} MB`).join(', ')}`,
      );
    }
  }
  return out;
}

await main();
