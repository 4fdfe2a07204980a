/**
 * Reading benchmark (issue 2): a generated 12-column contacts CSV read end to end through
 * `openTable` (sniff, decode, parse, header detection, batching), beside a bare csv-parse stream
 * pass over the same file. Each measurement runs in its own process so peak RSS is its own.
 *
 *   node bin/run-ts.js bench/read-csv.ts [--rows 100000,1000000] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { openTable } from '../src/core/read/open-table.ts';
import { fileSource } from '../src/files/file-source.ts';
import { generateContactsCsv } from './generate-contacts.ts';

interface Measurement {
  mode: string;
  rows: number;
  seconds: number;
  peakRssMb: number;
}

async function bare(path: string): Promise<number> {
  let rows = 0;
  const parser = createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(parse());
  parser.on('data', () => rows++);
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  return rows - 1; // header
}

async function roster(path: string): Promise<number> {
  const table = await openTable(fileSource(path));
  let rows = 0;
  for await (const batch of table.records) rows += batch.length;
  return rows;
}

async function child(mode: string, path: string): Promise<void> {
  const t0 = performance.now();
  const rows = mode === 'bare' ? await bare(path) : await roster(path);
  const seconds = (performance.now() - t0) / 1000;
  const m: Measurement = { mode, rows, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(m));
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function parent(): Promise<void> {
  const sizes = arg('rows', '100000,1000000').split(',').map(Number);
  const runs = Number(arg('runs', '3'));
  const lines: string[] = [
    '| rows | file MB | reader | best s | rows/s | peak RSS MB | vs bare |',
    '|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const n of sizes) {
    const path = `bench/data/contacts-${n}.csv`;
    await generateContactsCsv(path, n);
    const mb = statSync(path).size / 1e6;
    const best: Record<string, Measurement> = {};
    for (let run = 0; run < runs; run++) {
      for (const mode of ['bare', 'roster']) {
        const out = execFileSync(
          process.execPath,
          ['bin/run-ts.js', 'bench/read-csv.ts', '--child', mode, path],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 20,
          },
        );
        const m = JSON.parse(out) as Measurement;
        if (m.rows !== n) throw new Error(`${mode} read ${m.rows} rows, expected ${n}`);
        const prev = best[mode];
        if (!prev || m.seconds < prev.seconds)
          best[mode] = { ...m, peakRssMb: Math.max(m.peakRssMb, prev?.peakRssMb ?? 0) };
        else prev.peakRssMb = Math.max(prev.peakRssMb, m.peakRssMb);
      }
    }
    const bareRate = n / best.bare!.seconds;
    for (const mode of ['bare', 'roster']) {
      const m = best[mode]!;
      const rate = n / m.seconds;
      lines.push(
        `| ${n.toLocaleString('en-US')} | ${mb.toFixed(1)} | ${mode === 'bare' ? 'csv-parse (bare)' : 'Roster openTable'} | ${m.seconds.toFixed(2)} | ${Math.round(rate).toLocaleString('en-US')} | ${m.peakRssMb.toFixed(0)} | ${((rate / bareRate) * 100).toFixed(0)}% |`,
      );
    }
  }
  console.log(lines.join('\n'));
}

const ci = process.argv.indexOf('--child');
if (ci > 0) await child(process.argv[ci + 1]!, process.argv[ci + 2]!);
else await parent();
