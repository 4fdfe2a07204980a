/**
 * Import benchmark (issue 3): a generated contacts CSV (12 columns: phones in national and
 * international formats, tags, two custom fields; ~30% of rows update existing contacts, ~2%
 * invalid, ~1% repeated in the file) imported into a database already holding `existing`
 * contacts. Measured beside two references in the same run: a plain COPY of the same rows into
 * the same table (the floor) and the spec's row-by-row processRows (on fewer rows).
 *
 * Every measured run is a child process (bench/import-child.ts) on a fresh database copied from
 * a seeded template (PostgreSQL: CREATE DATABASE ... TEMPLATE, dropped after; PGlite: a copied
 * data directory), so peak RSS and timings are the run's own.
 *
 *   node bin/run-ts.js bench/import.ts [--rows 1000000] [--existing 1000000]
 *     [--backends pg,pglite] [--pglite-rows N] [--flat 250000] [--reference copy,rowwise]
 *     [--reference-rows 20000] [--no-fuzzy] [--profile] [--only roster]
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), a role
 * that may create databases. --flat adds a Roster run on PostgreSQL at that size (compare peak
 * RSS with the full run: flat with file size). --profile runs the full-size Roster PostgreSQL
 * import under `node --cpu-prof` and prints self time by file and function.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './import-child.ts';
import { generateImportCsv, importFilePath, type FileKinds } from './import-data.ts';
import { profileTables } from './import-profile.ts';
import {
  ensurePgTemplate,
  ensurePgliteTemplate,
  freshPgDatabase,
  freshPgliteDir,
} from './import-seed.ts';

type Mode = 'roster' | 'copy' | 'rowwise';
type BackendName = 'pg' | 'pglite';

interface Run {
  label: string;
  mode: Mode;
  backend: BackendName;
  rows: number;
  profile: boolean;
}

interface Measured extends Run {
  result: RunResult;
  serverCpuSeconds: number | null;
  kinds: FileKinds | null;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const list = (s: string): string[] => s.split(',').filter((x) => x !== '');

const rows = Number(arg('rows', '1000000'));
const existing = Number(arg('existing', '1000000'));
const backends = list(arg('backends', 'pg,pglite')) as BackendName[];
const pgliteRows = Number(arg('pglite-rows', String(rows)));
const flat = Number(arg('flat', '250000'));
const references = list(arg('reference', 'copy,rowwise'));
const referenceRows = Number(arg('reference-rows', '20000'));
const only = list(arg('only', 'roster,copy,rowwise'));
const fuzzy = !process.argv.includes('--no-fuzzy');
const profile = process.argv.includes('--profile');
const adminUrl =
  process.env['BENCH_DATABASE_URL']?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const PROFILE_DIR = 'bench/data/prof';

/**
 * CPU seconds used by the PostgreSQL server so far: live postgres processes, plus what the
 * postmaster has reaped from ended backends (cutime/cstime). Linux only; null elsewhere.
 */
function serverCpuSeconds(): number | null {
  try {
    let ticks = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      if (comm !== 'postgres') continue;
      const f = stat
        .slice(close + 2)
        .split(' ')
        .map(Number);
      // Fields after the name: state=0, ppid=1, ..., utime=11, stime=12, cutime=13, cstime=14.
      ticks += f[11]! + f[12]!;
      if (f[1] === 1) ticks += f[13]! + f[14]!;
    }
    return ticks / 100; // USER_HZ: 100 on Linux
  } catch {
    return null;
  }
}

function runChild(args: string[], nodeFlags: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, 'bin/run-ts.js', 'bench/import-child.ts', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as RunResult);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(
  run: Run,
  pgTemplate: string | null,
  pgliteTemplate: string | null,
): Promise<{ result: RunResult; serverCpu: number | null }> {
  const file = importFilePath(run.rows, existing);
  const childRows = run.mode === 'rowwise' ? referenceRows : run.rows;
  const args = [run.mode, run.mode === 'rowwise' ? importFilePath(rows, existing) : file];
  args.push(String(childRows));
  if (!fuzzy) args.push('--no-fuzzy');
  const nodeFlags = run.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  let result: RunResult;
  let serverCpu: number | null = null;
  if (run.backend === 'pg') {
    const fresh = await freshPgDatabase(adminUrl, pgTemplate!, `${run.label}_${run.rows}`);
    try {
      const before = serverCpuSeconds();
      result = await runChild([...args, '--url', fresh.url], nodeFlags);
      await sleep(500); // let the postmaster reap the ended backends
      const after = serverCpuSeconds();
      serverCpu = before !== null && after !== null ? after - before : null;
    } finally {
      await fresh.drop();
    }
  } else {
    const fresh = freshPgliteDir(pgliteTemplate!);
    try {
      result = await runChild([...args, '--data-dir', fresh.dataDir], nodeFlags);
    } finally {
      fresh.drop();
    }
  }
  return { result, serverCpu };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const runs: Run[] = [];
  const want = (m: Mode): boolean => only.includes(m);
  for (const backend of backends) {
    const n = backend === 'pg' ? rows : pgliteRows;
    if (want('roster')) {
      runs.push({ label: 'Roster', mode: 'roster', backend, rows: n, profile: false });
    }
    if (want('roster') && backend === 'pg' && flat > 0 && flat !== rows) {
      runs.push({ label: 'Roster', mode: 'roster', backend, rows: flat, profile: false });
    }
    if (want('copy') && references.includes('copy')) {
      runs.push({ label: 'COPY floor', mode: 'copy', backend, rows: n, profile: false });
    }
    if (want('rowwise') && references.includes('rowwise') && backend === 'pg') {
      runs.push({
        label: 'row-by-row (spec processRows)',
        mode: 'rowwise',
        backend,
        rows: referenceRows,
        profile: false,
      });
    }
  }
  if (profile && want('roster') && backends.includes('pg')) {
    runs.push({ label: 'Roster (profiled)', mode: 'roster', backend: 'pg', rows, profile: true });
  }

  const kindsBySize = new Map<number, FileKinds>();
  for (const n of new Set([rows, pgliteRows, ...(flat > 0 ? [flat] : [])])) {
    const t = performance.now();
    kindsBySize.set(n, await generateImportCsv(n, existing));
    const mb = statSync(importFilePath(n, existing)).size / 1e6;
    console.error(`file ${importFilePath(n, existing)}: ${mb.toFixed(0)} MB (${sec(t)} s)`);
  }
  let pgTemplate: string | null = null;
  let pgliteTemplate: string | null = null;
  if (backends.includes('pg')) {
    const t = performance.now();
    pgTemplate = await ensurePgTemplate(adminUrl, existing);
    console.error(`PostgreSQL template ${pgTemplate} ready (${sec(t)} s)`);
  }
  if (backends.includes('pglite')) {
    const t = performance.now();
    pgliteTemplate = await ensurePgliteTemplate(existing);
    console.error(`PGlite template ${pgliteTemplate} ready (${sec(t)} s)`);
  }
  if (profile) mkdirSync(PROFILE_DIR, { recursive: true });

  const measured: Measured[] = [];
  for (const run of runs) {
    console.error(`running ${run.label} on ${run.backend}, ${fmt(run.rows)} rows…`);
    const startedProfiles = new Set(profile ? readdirSync(PROFILE_DIR) : []);
    const { result, serverCpu } = await measure(run, pgTemplate, pgliteTemplate);
    const m: Measured = {
      ...run,
      result,
      serverCpuSeconds: serverCpu,
      kinds: run.mode === 'roster' ? (kindsBySize.get(run.rows) ?? null) : null,
    };
    measured.push(m);
    console.error(
      `  ${result.seconds.toFixed(1)} s, ${fmt(result.rows / result.seconds)} rows/s, ${result.peakRssMb.toFixed(0)} MB`,
    );
    if (run.profile) {
      const fresh = readdirSync(PROFILE_DIR).filter((f) => !startedProfiles.has(f));
      for (const f of fresh) console.log(`\n${profileTables(join(PROFILE_DIR, f), 25)}\n`);
    }
  }
  printTables(measured);
}

function sec(t: number): string {
  return ((performance.now() - t) / 1000).toFixed(1);
}

function printTables(measured: Measured[]): void {
  const backendName = (b: BackendName): string => (b === 'pg' ? 'PostgreSQL' : 'PGlite');
  const lines = [
    `Import of a generated CSV into a database holding ${fmt(existing)} contacts` +
      ` (fuzzy duplicate detection ${fuzzy ? 'on (default)' : 'off'})`,
    '',
    '| run | backend | rows | seconds | rows/s | peak RSS MB | client CPU s | PG server CPU s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of measured) {
    const r = m.result;
    lines.push(
      `| ${m.label} | ${backendName(m.backend)} | ${fmt(r.rows)} | ${r.seconds.toFixed(1)} | ${fmt(r.rows / r.seconds)} | ${r.peakRssMb.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | ${m.serverCpuSeconds === null ? '—' : m.serverCpuSeconds.toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    '| run | backend | rows | created | updated | rejected | duplicatesInFile | unchanged | possibleDuplicates | expected (create/update/invalid/repeat) | check |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  );
  for (const m of measured) {
    const c = m.result.counters;
    if (c && m.kinds) {
      const k = m.kinds;
      const ok =
        c.created === k.create &&
        c.updated === k.update &&
        c.rejected === k.invalid &&
        c.duplicatesInFile === k.repeat &&
        c.rowsProcessed === k.rows;
      const pct = (n: number): string => `${fmt(n)} (${((n / k.rows) * 100).toFixed(1)}%)`;
      lines.push(
        `| ${m.label} | ${backendName(m.backend)} | ${fmt(c.rowsProcessed)} | ${pct(c.created)} | ${pct(c.updated)} | ${pct(c.rejected)} | ${pct(c.duplicatesInFile)} | ${fmt(c.unchanged)} | ${fmt(c.possibleDuplicates)} | ${fmt(k.create)} / ${fmt(k.update)} / ${fmt(k.invalid)} / ${fmt(k.repeat)} | ${ok ? 'exact' : 'MISMATCH'} |`,
      );
    }
    const w = m.result.rowwise;
    if (w) {
      lines.push(
        `| ${m.label} | ${backendName(m.backend)} | ${fmt(m.result.rows)} | ${fmt(w.created)} | ${fmt(w.updated)} | ${fmt(w.skipped)} (errors ${fmt(w.errors)}) | (not detected) | — | — | — | — |`,
      );
    }
  }
  console.log(lines.join('\n'));
}

await main();
