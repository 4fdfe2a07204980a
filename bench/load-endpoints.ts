/**
 * The load test's endpoints one at a time, with no import running (bench/load.ts measures them
 * together during an import): what each request costs the server by itself.
 *
 * A fresh copy of the import benchmark's template and `roster serve` with no worker (one small
 * import is queued and stays queued, for GET /api/imports/:id). Per endpoint: autocannon at
 * `--rate` requests/s for `--seconds`, then the latencies and the server's CPU time per request.
 *
 *   node bin/run-ts.js bench/load-endpoints.ts [--rate 200] [--connections 6] [--seconds 20]
 *     [--existing 1000000] [--cpu-prof DIR] [--session]
 *
 * `--cpu-prof DIR` runs the server under `node --cpu-prof` (the profile is written when it
 * stops); `--session` authenticates with a session cookie instead of an API key.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { generateImportCsv, importFilePath } from './import-data.ts';
import { ensurePgTemplate } from './import-seed.ts';
import { processCpuSeconds, startLoadServer, type LoadServer } from './load-server.ts';
import { percentile } from './load-traffic.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const rate = Number(arg('rate', '200'));
const connections = Number(arg('connections', '6'));
const seconds = Number(arg('seconds', '20'));
const existing = Number(arg('existing', '1000000'));
const profileDir = arg('cpu-prof', '');
const adminUrl =
  process.env['BENCH_DATABASE_URL']?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';

interface Measured {
  name: string;
  requests: number;
  reached: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  cpuMsPerRequest: number | null;
}

async function queueSmallImport(server: LoadServer): Promise<string> {
  await generateImportCsv(1000, existing);
  const { openAsBlob } = await import('node:fs');
  const form = new FormData();
  form.append('file', await openAsBlob(importFilePath(1000, existing)), 'small.csv');
  const headers = { authorization: `Bearer ${server.key}` };
  const up = await fetch(`${server.base}/api/uploads`, { method: 'POST', body: form, headers });
  const { id } = (await up.json()) as { id: string };
  const started = await fetch(`${server.base}/api/imports`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ uploadId: id }),
  });
  return ((await started.json()) as { id: string }).id;
}

function measure(
  server: LoadServer,
  name: string,
  path: string,
  headers: Record<string, string>,
): Promise<Measured> {
  const latencies: number[] = [];
  let non2xx = 0;
  const cpu0 = processCpuSeconds(server.pids[0]!);
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: `${server.base}${path}`,
        headers,
        connections,
        overallRate: rate,
        duration: seconds,
        timeout: 10,
      },
      (err) => {
        if (err) return reject(err);
        const cpu1 = processCpuSeconds(server.pids[0]!);
        const sorted = latencies.sort((a, b) => a - b);
        resolvePromise({
          name,
          requests: sorted.length,
          reached: sorted.length / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          max: sorted[sorted.length - 1] ?? Number.NaN,
          non2xx,
          cpuMsPerRequest:
            cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1000) / sorted.length,
        });
      },
    );
    instance.on('response', (_c, status, _b, ms) => {
      latencies.push(ms);
      if (status < 200 || status > 299) non2xx++;
    });
  });
}

async function signIn(server: LoadServer): Promise<string> {
  const { createUser } = await import('../src/store/users.ts');
  const { openDatabase } = await import('../src/store/connection.ts');
  const { findTenantByName } = await import('../src/store/tenants.ts');
  const open = await openDatabase({ databaseUrl: server.databaseUrl });
  const password = 'load test password 0123';
  try {
    const tenant = await findTenantByName(open.db, 'default');
    await createUser(open.db, tenant!.id, { email: 'load@example.com', role: 'admin', password });
  } finally {
    await open.close();
  }
  const res = await fetch(`${server.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'load@example.com', password }),
  });
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0]!;
}

async function main(): Promise<void> {
  const template = await ensurePgTemplate(adminUrl, existing);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = await startLoadServer({
    adminUrl,
    template,
    run: 'load_endpoints',
    worker: 'none',
    logLevel: 'warn',
    ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] } : {}),
  });
  const results: Measured[] = [];
  const load = loadavg()[0]!;
  let idleCpuPerSecond: number | null = null;
  try {
    const id = await queueSmallImport(server);
    const headers: Record<string, string> = process.argv.includes('--session')
      ? { cookie: await signIn(server) }
      : { authorization: `Bearer ${server.key}` };
    // What the server does by itself (timers, the queue): subtracted from no endpoint, shown.
    const idle0 = processCpuSeconds(server.pids[0]!);
    await new Promise((r) => setTimeout(r, 5000));
    const idle1 = processCpuSeconds(server.pids[0]!);
    if (idle0 !== null && idle1 !== null) idleCpuPerSecond = (idle1 - idle0) / 5;
    for (const [name, path] of [
      ['GET /healthz (no auth)', '/healthz'],
      ['GET /api/auth/me', '/api/auth/me'],
      ['GET /api/imports/:id', `/api/imports/${id}`],
      ['GET /api/imports', '/api/imports'],
      ['GET /api/contacts?limit=50', '/api/contacts?limit=50'],
    ] as const) {
      results.push(await measure(server, name, path, headers));
    }
  } finally {
    await server.stop();
  }
  const f = (n: number): string => n.toFixed(1);
  console.log(
    `Endpoints alone: ${rate} requests/s over ${connections} connections for ${seconds} s each, ` +
      `${process.argv.includes('--session') ? 'session cookie' : 'API key'}; load average ${load.toFixed(2)}; ` +
      `serve CPU with no requests: ${idleCpuPerSecond === null ? '—' : `${(idleCpuPerSecond * 1000).toFixed(0)} ms/s`}\n`,
  );
  console.log(
    '| endpoint | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | serve CPU ms/request |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.requests} | ${f(r.reached)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${r.non2xx} | ${r.cpuMsPerRequest === null ? '—' : r.cpuMsPerRequest.toFixed(2)} |`,
    );
  }
}

await main();
