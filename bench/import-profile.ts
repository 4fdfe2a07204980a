/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) of an import run: self time by source file
 * and by function, so the table says where an import's time goes.
 *
 *   node bin/run-ts.js bench/import-profile.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Shortens a profile URL to a path inside the project (or a package name, or `(node)`). */
function fileOf(url: string): string {
  if (url === '') return '(native/idle)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const root = url.indexOf('/work/main/');
  return root >= 0 ? url.slice(root + '/work/main/'.length) : url;
}

/**
 * Self time per file and per function of a profile, largest first.
 *
 * @example
 * const { byFile } = summariseProfile('bench/data/prof/x.cpuprofile');
 */
export function summariseProfile(path: string): {
  totalMs: number;
  byFile: SelfTime[];
  byFunction: SelfTime[];
} {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = nodes.get(profile.samples[i]!);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    total += ms;
    const file = fileOf(node.callFrame.url);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>): SelfTime[] =>
    [...m].map(([name, ms]) => ({ name, ms, share: ms / total })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total, byFile: sorted(byFile), byFunction: sorted(byFunction) };
}

/** The summary as two markdown tables. */
export function profileTables(path: string, top: number): string {
  const { totalMs, byFile, byFunction } = summariseProfile(path);
  const rows = (xs: SelfTime[]): string[] =>
    xs
      .slice(0, top)
      .map((x) => `| ${x.name} | ${(x.ms / 1000).toFixed(2)} | ${(x.share * 100).toFixed(1)}% |`);
  return [
    `Profile ${path}: ${(totalMs / 1000).toFixed(1)} s sampled`,
    '',
    '| file (self time) | s | share |',
    '|---|---:|---:|',
    ...rows(byFile),
    '',
    '| function (self time) | s | share |',
    '|---|---:|---:|',
    ...rows(byFunction),
  ].join('\n');
}

if (process.argv[1]?.endsWith('import-profile.ts')) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: import-profile.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const i = process.argv.indexOf('--top');
  console.log(profileTables(file, i > 0 ? Number(process.argv[i + 1]) : 25));
}
