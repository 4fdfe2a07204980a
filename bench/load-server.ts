/**
 * The server side of the load test (bench/load.ts): a fresh copy of the import benchmark's
 * seeded database, an admin API key in it, and `roster serve` (with its in-process worker, or
 * beside a separate `roster worker`) as child processes on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey } from '../src/store/api-keys.ts';
import { openDatabase } from '../src/store/connection.ts';
import { findTenantByName } from '../src/store/tenants.ts';
import { freshPgDatabase } from './import-seed.ts';

export interface LoadServer {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** An admin API key of the default tenant. */
  key: string;
  /** The serve process (and the worker process, when separate), for CPU time. */
  pids: number[];
  /** The run's database copy. */
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface LoadServerOptions {
  adminUrl: string;
  template: string;
  /** Names the database copy (`roster_bench_<run>`). */
  run: string;
  /**
   * Where imports run: in `roster serve` (ROSTER_WORKERS=1), in a separate `roster worker`
   * process (serve with ROSTER_WORKERS=0), or nowhere (imports stay queued: requests alone).
   */
  worker: 'in-process' | 'separate' | 'none';
  /** The separate worker's niceness (0–19), when separate. */
  workerNice?: number;
  logLevel: string;
  /** Node options of the serve process, e.g. `['--cpu-prof', '--cpu-prof-dir=DIR']`. */
  nodeArgs?: string[];
  /** Where serve appends its event-loop delay, a line a second (bench/load-loop-delay.ts). */
  loopDelayFile?: string;
}

/**
 * Copies the template, creates an admin key, starts the server; `stop` ends the processes and
 * drops the copy.
 *
 * @example
 * const server = await startLoadServer({ adminUrl, template, run: 'load_base', worker: 'in-process', logLevel: 'warn' });
 * await fetch(`${server.base}/api/imports`, { headers: { authorization: `Bearer ${server.key}` } });
 * await server.stop();
 */
export async function startLoadServer(options: LoadServerOptions): Promise<LoadServer> {
  const fresh = await freshPgDatabase(options.adminUrl, options.template, options.run);
  const dataDir = mkdtempSync(join('bench/data', `load-files-${options.run}-`));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    rmSync(dataDir, { recursive: true, force: true });
    await fresh.drop();
  };
  try {
    const key = await adminKey(fresh.url);
    const env = {
      ...process.env,
      DATABASE_URL: fresh.url,
      ROSTER_SECRET: 'load-test-secret-0123456789abcdef0123456789abcdef',
      ROSTER_HOST: '127.0.0.1',
      ROSTER_PORT: '0',
      ROSTER_DATA_DIR: dataDir,
      ROSTER_WORKERS: options.worker === 'in-process' ? '1' : '0',
      LOG_LEVEL: options.logLevel,
    };
    const loopDelay = options.loopDelayFile
      ? ['--import', 'tsx', '--import', './bench/load-loop-delay.ts']
      : [];
    const serveEnv = options.loopDelayFile
      ? { ...env, ROSTER_BENCH_LOOP_DELAY_FILE: options.loopDelayFile }
      : env;
    const serve = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), ...loopDelay, 'bin/roster.js', 'serve'],
      { env: serveEnv, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(serve);
    const base = await listeningAddress(serve);
    if (options.worker === 'separate') {
      const worker = spawn(process.execPath, ['bin/roster.js', 'worker'], {
        env: { ...env, ROSTER_WORKERS: '1' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(worker);
      // Lower priority for the worker (nice), so the API's requests get the CPU first.
      if (options.workerNice && worker.pid !== undefined)
        setPriority(worker.pid, options.workerNice);
    }
    return { base, key, pids: children.map((c) => c.pid ?? 0), databaseUrl: fresh.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** An admin key of the default tenant, made through the store as `roster api-key create` does. */
async function adminKey(databaseUrl: string): Promise<string> {
  const open = await openDatabase({ databaseUrl });
  try {
    const tenant = await findTenantByName(open.db, 'default');
    if (!tenant) throw new Error('the benchmark database has no default tenant');
    const created = await createApiKey(open.db, tenant.id, { name: 'load test', role: 'admin' });
    return created.key;
  } finally {
    await open.close();
  }
}

/** Reads the serve process's stdout until it says where it listens (it picks a free port). */
async function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('roster serve did not start in 60 s')), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`roster serve exited with ${code} before listening: ${out}`));
    });
  });
}

/** SIGTERM (graceful stop), SIGKILL after 30 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc; null when unreadable.
 *
 * @example
 * const before = processCpuSeconds(server.pids[0]!);
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readProcStat(pid);
    return (stat[11]! + stat[12]!) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return null;
  }
}

function readProcStat(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the name: state=0, ppid=1, ..., utime=11, stime=12.
  const close = text.lastIndexOf(')');
  return text
    .slice(close + 2)
    .split(' ')
    .map(Number);
}
