/**
 * Load test (issue 5): the status, list and progress endpoints while a large import runs.
 *
 * Each run gets a fresh copy of the import benchmark's seeded database (a million contacts:
 * bench/import-seed.ts) and its own `roster serve` child on 127.0.0.1 (in-process worker,
 * ROSTER_WORKERS=1, unless --separate-worker). The import benchmark's file (bench/import-data.ts)
 * is uploaded over HTTP and imported with the benchmark's options, so the import's rate compares
 * with bench/import.ts.
 *
 * - baseline: the import alone (the script asks for its status every 2 s to see it end).
 * - loaded: the same import while autocannon sends `--rate` requests/s to GET /api/imports/:id,
 *   GET /api/imports and GET /api/contacts?limit=50, and `--sse` clients follow
 *   GET /api/imports/:id/progress; the load stops when the import has finished.
 *
 *   node bin/run-ts.js bench/load.ts [--rows 1000000] [--existing 1000000] [--rate 200]
 *     [--connections 18] [--sse 8] [--duration-limit 900] [--runs baseline,loaded]
 *     [--separate-worker] [--log-level warn] [--cpu-prof DIR]
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), a role
 * that may create databases.
 */
import { existsSync, openAsBlob, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { generateImportCsv, importFilePath, type FileKinds } from './import-data.ts';
import { ensurePgTemplate } from './import-seed.ts';
import { processCpuSeconds, startLoadServer, type LoadServer } from './load-server.ts';
import { openProgressStream, type SseStats } from './load-sse.ts';
import { percentile, startTraffic, type EndpointStats } from './load-traffic.ts';

type RunKind = 'baseline' | 'loaded';

interface ImportJson {
  id: string;
  status: string;
  rowsTotal: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  counters: {
    totalRows: number;
    created: number;
    updated: number;
    rejected: number;
    duplicatesInFile: number;
  };
  error: unknown;
}

interface RunResult {
  kind: RunKind;
  loadAverage: number[];
  uploadSeconds: number;
  startSeconds: number;
  job: ImportJson;
  importSeconds: number;
  rowsPerSecond: number;
  /** The load stopped at --duration-limit before the import finished. */
  cutShort: boolean;
  serverCpuSeconds: number | null;
  traffic: EndpointStats[];
  sse: SseStats[];
  loopDelay: LoopDelay | null;
}

/** serve's event-loop delay during the import, from its one-second lines. */
interface LoopDelay {
  seconds: number;
  /** Medians over the seconds of each second's p50 and p99. */
  p50: number;
  p99: number;
  /** The longest delay seen, and the seconds with a delay over 50 ms. */
  max: number;
  over50: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const rows = Number(arg('rows', '1000000'));
const existing = Number(arg('existing', '1000000'));
const rate = Number(arg('rate', '200'));
const connections = Number(arg('connections', '18'));
const sseClients = Number(arg('sse', '8'));
const durationLimit = Number(arg('duration-limit', '900'));
const runKinds = arg('runs', 'baseline,loaded')
  .split(',')
  .filter((k): k is RunKind => k === 'baseline' || k === 'loaded');
const separateWorker = process.argv.includes('--separate-worker');
const workerNice = Number(arg('worker-nice', '0'));
const logLevel = arg('log-level', 'warn');
const profileDir = arg('cpu-prof', '');
const adminUrl =
  process.env['BENCH_DATABASE_URL']?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';

/** What bench/import-child.ts asks for, in the API's names (fuzzy detection on, the default). */
const IMPORT_OPTIONS = {
  duplicateStrategy: 'update',
  tags: ['bench-import'],
  defaultCountry: 'US',
};
const LIVE = new Set(['uploaded', 'queued', 'running', 'rolling_back']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isNaN(n) ? '—' : n.toFixed(1));
const log = (text: string): void => void process.stderr.write(`${text}\n`);

async function api<T>(server: LoadServer, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${server.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.key}`, ...(init.headers ?? {}) },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Uploads the file and starts its import; returns the queued import and the two timings. */
async function startImport(
  server: LoadServer,
  file: string,
): Promise<{ job: ImportJson; uploadSeconds: number; startSeconds: number }> {
  const t0 = performance.now();
  const form = new FormData();
  form.append('file', await openAsBlob(file, { type: 'text/csv' }), 'contacts.csv');
  const upload = await api<{ id: string }>(server, '/api/uploads', { method: 'POST', body: form });
  const t1 = performance.now();
  const job = await api<ImportJson>(server, '/api/imports', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uploadId: upload.id, options: IMPORT_OPTIONS }),
  });
  const t2 = performance.now();
  return { job, uploadSeconds: (t1 - t0) / 1000, startSeconds: (t2 - t1) / 1000 };
}

/** Asks for the import every 2 s until it has finished or `limitSeconds` have passed. */
async function waitForImport(
  server: LoadServer,
  id: string,
  limitSeconds: number,
): Promise<ImportJson | null> {
  const until = performance.now() + limitSeconds * 1000;
  let logged = -1;
  while (performance.now() < until) {
    const job = await api<ImportJson>(server, `/api/imports/${id}`);
    if (!LIVE.has(job.status)) return job;
    // A line per 100,000 rows.
    const step = Math.floor(job.counters.totalRows / 100_000);
    if (step !== logged) {
      log(`  … ${job.status}, ${fmt(job.counters.totalRows)} rows`);
      logged = step;
    }
    await sleep(2000);
  }
  return null;
}

async function measureRun(kind: RunKind, template: string, file: string): Promise<RunResult> {
  const loadAverage = loadavg();
  log(`${kind}: load average ${loadAverage.map((l) => l.toFixed(2)).join(' ')}; starting server…`);
  const loopDelayFile = `bench/data/load-loop-delay-${kind}-${process.pid}.jsonl`;
  rmSync(loopDelayFile, { force: true });
  const server = await startLoadServer({
    adminUrl,
    template,
    loopDelayFile,
    ...(profileDir
      ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir, kind)}`] }
      : {}),
    run: `load_${kind}`,
    worker: separateWorker ? 'separate' : 'in-process',
    ...(workerNice > 0 ? { workerNice } : {}),
    logLevel,
  });
  try {
    const cpu0 = server.pids.map(processCpuSeconds);
    const { job: queued, uploadSeconds, startSeconds } = await startImport(server, file);
    log(
      `  uploaded in ${uploadSeconds.toFixed(1)} s, import ${queued.id} queued in ${startSeconds.toFixed(1)} s`,
    );
    const sse =
      kind === 'loaded'
        ? Array.from({ length: sseClients }, () =>
            openProgressStream(server.base, server.key, queued.id),
          )
        : [];
    const traffic =
      kind === 'loaded'
        ? startTraffic(
            server.base,
            server.key,
            [
              { name: 'GET /api/imports/:id', path: `/api/imports/${queued.id}` },
              { name: 'GET /api/imports', path: '/api/imports' },
              { name: 'GET /api/contacts?limit=50', path: '/api/contacts?limit=50' },
            ],
            rate,
            connections,
            durationLimit,
          )
        : null;
    let job = await waitForImport(server, queued.id, durationLimit);
    const cutShort = job === null;
    const trafficStats = traffic ? await traffic.stop() : [];
    if (job === null) {
      log(`  load stopped at the ${durationLimit} s limit; waiting for the import to finish`);
      job = await waitForImport(server, queued.id, durationLimit * 3);
      if (job === null) throw new Error(`import ${queued.id} did not finish`);
    }
    await Promise.race([Promise.all(sse.map((c) => c.ended)), sleep(5000)]);
    for (const c of sse) c.close();
    const cpu1 = server.pids.map(processCpuSeconds);
    const serverCpuSeconds = cpu0.every((c) => c !== null)
      ? cpu1.reduce<number>((sum, c, i) => sum + (c ?? 0) - (cpu0[i] ?? 0), 0)
      : null;
    if (job.status !== 'completed')
      throw new Error(`import ended ${job.status}: ${JSON.stringify(job.error)}`);
    const importSeconds = (Date.parse(job.finishedAt!) - Date.parse(job.startedAt!)) / 1000;
    const rowsPerSecond = job.counters.totalRows / importSeconds;
    log(
      `  ${kind}: ${fmt(job.counters.totalRows)} rows in ${importSeconds.toFixed(1)} s, ${fmt(rowsPerSecond)} rows/s`,
    );
    return {
      kind,
      loadAverage,
      uploadSeconds,
      startSeconds,
      job,
      importSeconds,
      rowsPerSecond,
      cutShort,
      serverCpuSeconds,
      traffic: trafficStats,
      sse: sse.map((c) => c.stats),
      loopDelay: loopDelayOf(
        loopDelayFile,
        Date.parse(job.startedAt!),
        Date.parse(job.finishedAt!),
      ),
    };
  } finally {
    await server.stop();
  }
}

function loopDelayOf(file: string, from: number, to: number): LoopDelay | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { at: number; p50: number; p99: number; max: number })
    .filter((l) => l.at > from && l.at <= to + 1000);
  rmSync(file, { force: true });
  if (lines.length === 0) return null;
  const median = (xs: number[]): number =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  return {
    seconds: lines.length,
    p50: median(lines.map((l) => l.p50)),
    p99: median(lines.map((l) => l.p99)),
    max: Math.max(...lines.map((l) => l.max)),
    over50: lines.filter((l) => l.max > 50).length,
  };
}

function checkCounters(job: ImportJson, kinds: FileKinds): boolean {
  const c = job.counters;
  return (
    c.totalRows === kinds.rows &&
    c.created === kinds.create &&
    c.updated === kinds.update &&
    c.rejected === kinds.invalid &&
    c.duplicatesInFile === kinds.repeat
  );
}

function report(results: RunResult[], kinds: FileKinds): string {
  const lines: string[] = [
    `Load test: import of ${fmt(rows)} rows into ${fmt(existing)} contacts on PostgreSQL; ` +
      `roster serve ${separateWorker ? '+ a separate roster worker' : 'with its in-process worker (ROSTER_WORKERS=1)'}, LOG_LEVEL=${logLevel}; ` +
      `load: ${rate} requests/s over ${connections} connections, ${sseClients} SSE clients`,
    '',
    '| run | load avg (1 min) | upload s | POST /imports s | import s | rows/s | serve CPU s | counters | loop delay p50 / p99 / max ms | s with delay > 50 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.kind}${r.cutShort ? ' (load cut at limit)' : ''} | ${r.loadAverage[0]!.toFixed(2)} | ${r.uploadSeconds.toFixed(1)} | ${r.startSeconds.toFixed(1)} | ${r.importSeconds.toFixed(1)} | ${fmt(r.rowsPerSecond)} | ${r.serverCpuSeconds === null ? '—' : r.serverCpuSeconds.toFixed(1)} | ${checkCounters(r.job, kinds) ? 'exact' : 'MISMATCH'} | ${r.loopDelay ? `${ms(r.loopDelay.p50)} / ${ms(r.loopDelay.p99)} / ${ms(r.loopDelay.max)}` : '—'} | ${r.loopDelay ? `${r.loopDelay.over50} of ${r.loopDelay.seconds}` : '—'} |`,
    );
  }
  const verdicts: string[] = [];
  for (const r of results.filter((x) => x.kind === 'loaded')) {
    lines.push(
      '',
      `Requests during the ${r.kind} run:`,
      '',
      '| endpoint | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    const all: EndpointStats = { name: 'all', latencies: [], non2xx: 0, errors: 0, seconds: 0 };
    for (const e of r.traffic) {
      all.latencies.push(...e.latencies);
      all.non2xx += e.non2xx;
      all.errors += e.errors;
      all.seconds = Math.max(all.seconds, e.seconds);
    }
    for (const e of [...r.traffic, all]) {
      const sorted = [...e.latencies].sort((a, b) => a - b);
      const name = e === all ? '**all**' : e.name;
      lines.push(
        `| ${name} | ${fmt(sorted.length)} | ${(sorted.length / e.seconds).toFixed(1)} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 90))} | ${ms(percentile(sorted, 99))} | ${ms(sorted[sorted.length - 1] ?? Number.NaN)} | ${e.non2xx} | ${e.errors} |`,
      );
    }
    const sorted = [...all.latencies].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    const reached = sorted.length / all.seconds;
    const firsts = r.sse
      .map((s) => s.firstEventMs)
      .filter((x): x is number => x !== null)
      .sort((a, b) => a - b);
    const sseErrors = r.sse.reduce((n, s) => n + s.errors.length, 0);
    lines.push(
      '',
      '| SSE clients | events | first event p50 ms | first event max ms | longest gap ms | ended with done | errors/disconnects |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      `| ${r.sse.length} | ${fmt(r.sse.reduce((n, s) => n + s.events, 0))} | ${ms(percentile(firsts, 50))} | ${ms(firsts[firsts.length - 1] ?? Number.NaN)} | ${ms(Math.max(0, ...r.sse.map((s) => s.maxGapMs)))} | ${r.sse.filter((s) => s.done).length} | ${sseErrors} |`,
    );
    for (const s of r.sse) for (const e of s.errors) lines.push(`- SSE error: ${e}`);
    const base = results.find((x) => x.kind === 'baseline');
    const ratio = base ? r.rowsPerSecond / base.rowsPerSecond : null;
    verdicts.push(
      `- p99 ${ms(p99)} ms (target < 50): ${p99 < 50 ? 'met' : 'NOT met'}`,
      `- rate reached ${reached.toFixed(1)} req/s (target ${rate}, within 5%): ${reached >= rate * 0.95 ? 'met' : 'NOT met'}`,
      `- errors: ${all.non2xx} non-2xx, ${all.errors} connection errors/timeouts, ${sseErrors} SSE errors (target none): ${all.non2xx + all.errors + sseErrors === 0 ? 'met' : 'NOT met'}`,
      ratio === null
        ? '- import rate: no baseline run'
        : `- import rate loaded/unloaded ${fmt(r.rowsPerSecond)} / ${fmt(base!.rowsPerSecond)} = ${ratio.toFixed(2)} (target ≥ 0.80): ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
    );
  }
  if (verdicts.length > 0) lines.push('', 'Targets:', '', ...verdicts);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const kinds = await generateImportCsv(rows, existing);
  const file = importFilePath(rows, existing);
  log(`file ${file}: ${(statSync(file).size / 1e6).toFixed(0)} MB`);
  const t = performance.now();
  const template = await ensurePgTemplate(adminUrl, existing);
  log(`template ${template} ready (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  const results: RunResult[] = [];
  for (const kind of runKinds) results.push(await measureRun(kind, template, file));
  console.log(report(results, kinds));
}

await main();
