import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import { Resolver } from 'node:dns/promises';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import {
  parseFieldStrategies,
  type DuplicateStrategy,
  type MergeOptions,
} from '../core/merge/index.ts';
import type { ColumnRules, TransformOptions } from '../core/transform/index.ts';
import { fileSource } from '../files/file-source.ts';
import { importFileSource } from '../files/import-file.ts';
import { hashSource } from '../files/hash-source.ts';
import { createImportJob } from '../jobs/create-import.ts';
import type { ImportRequest } from '../jobs/plan-import.ts';
import { planImport } from '../jobs/plan-import.ts';
import {
  dryRunImport,
  runImport,
  type ImportProgress,
  type ImportRunContext,
  type ImportSummary,
} from '../jobs/run-import.ts';
import { listImportIssues } from '../store/import-issues.ts';
import { getImport, listUnfinishedImports } from '../store/imports.ts';
import type { Database, ImportRow } from '../store/schema.ts';
import { parseMapFlags, readOptions, type ReadFlags } from './inspect.ts';
import { importJson, LISTED_ISSUES } from './import-json.ts';
import { renderImportSummary } from './render-import.ts';
import { withTenant } from './tenant-context.ts';

interface ImportFlags extends ReadFlags {
  map: string[];
  mapping?: string;
  onDuplicate?: string;
  merge: string[];
  clearBlanks?: boolean;
  importConsent?: boolean;
  tag: string[];
  segment?: string;
  defaultCountry?: string;
  dryRun?: boolean;
  json?: boolean;
  resume?: string;
  mx?: boolean;
  remember?: boolean;
  batchSize?: string;
  fuzzy: boolean;
  fuzzyThreshold: string;
  mergeFuzzy?: boolean;
  tenant: string;
}

const STRATEGIES: readonly DuplicateStrategy[] = ['skip', 'update', 'merge', 'create'];

/** An import whose last progress is older than this is taken as abandoned (its process died). */
const ABANDONED_AFTER_MS = 2 * 60 * 1000;

/** `roster import FILE`: clean, validate, de-duplicate, merge and write a contact file. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import a contact file: clean, validate, de-duplicate, merge and write')
    .argument('[file]', 'CSV, TSV, XLSX, XLS, JSON or NDJSON file (optional with --resume)')
    .option('--map <header=field>', 'set a column\'s field (repeatable; "-" skips it)', collect, [])
    .option('--mapping <file.json>', 'mapping and transform rules from a JSON file (see README)')
    .option('--on-duplicate <strategy>', `existing contacts: ${STRATEGIES.join(', ')}`, 'skip')
    .option(
      '--merge <field=strategy>',
      'per-field strategy: keep_existing, update_if_blank, always_update, append, update_if_newer, keep_higher (repeatable)',
      collect,
      [],
    )
    .option('--clear-blanks', 'a blank cell clears the stored value where the strategy overwrites')
    .option(
      '--import-consent',
      'import email/SMS opt-in columns (never turns an opt-out into an opt-in)',
    )
    .option('--tag <tag>', 'add a tag to every imported contact (repeatable)', collect, [])
    .option('--segment <name>', 'add every imported contact to this segment (created if missing)')
    .option('--default-country <cc>', 'country of national phone numbers, e.g. US, DE')
    .option(
      '--fuzzy-threshold <n>',
      'list contacts with a similar name + company (0..1) as possible duplicates',
      '0.85',
    )
    .option('--no-fuzzy', 'do not look for possible duplicates')
    .option('--merge-fuzzy', 'merge into possible duplicates instead of only listing them')
    .option('--mx', 'look up the MX records of email domains (warning when a domain takes no mail)')
    .option('--dry-run', 'run every stage except the write and show what would happen')
    .option('--json', 'print one JSON object (stable interface, see README)')
    .option('--resume <job>', 'resume an interrupted import')
    .option('--remember', 'remember the mapping and column rules for files with this header row')
    .option('--batch-size <n>', 'rows per transaction', undefined)
    .option('--sheet <name>', 'XLSX/XLS: the sheet to read')
    .option('--no-header', 'the file has no header row')
    .option('--encoding <enc>', 'text encoding, e.g. utf-8, windows-1252, utf-16le')
    .option('--delimiter <d>', 'CSV delimiter')
    .option('--format <fmt>', 'force the format: csv, xlsx, xls, json, ndjson')
    .option('--tenant <name>', 'tenant to import into', 'default')
    .action(async (file: string | undefined, flags: ImportFlags) => {
      const summary = await runImportCommand(file, flags);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(importJson(summary), null, 2)}\n`
          : renderImportSummary(summary, flags.dryRun === true),
      );
      if (summary.status === 'failed') process.exitCode = 1;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function runImportCommand(
  file: string | undefined,
  flags: ImportFlags,
): Promise<ImportSummary> {
  if (flags.resume === undefined && file === undefined) {
    throw new RosterError('OPTION_INVALID', 'Give the file to import (or --resume JOB)');
  }
  return withTenant(flags.tenant, async ({ db, tenantId }) => {
    const progress = progressReporter(flags.json === true);
    const ctx = (source: ByteSource): ImportRunContext => ({
      db,
      tenantId,
      source,
      mxResolver: new Resolver({ timeout: 3000, tries: 1 }),
      onProgress: progress.update,
      maxListedIssues: LISTED_ISSUES,
    });
    try {
      if (flags.resume !== undefined) {
        const job = await getImport(db, tenantId, flags.resume);
        const source = await importFileSource(job, file);
        return await finish(db, tenantId, await runImport(ctx(source), job.id));
      }
      const path = resolve(file as string);
      const source = fileSource(path);
      const request = requestOf(flags);
      if (flags.dryRun) {
        const { options } = await planImport(db, tenantId, source, request);
        return await dryRunImport(ctx(source), options);
      }
      const abandoned = await findAbandoned(db, tenantId, source);
      if (abandoned) {
        if (!flags.json) {
          process.stderr.write(
            `roster: resuming import ${abandoned.id} of this file, interrupted at row ${checkpointRow(abandoned)}\n`,
          );
        }
        return await finish(db, tenantId, await runImport(ctx(source), abandoned.id));
      }
      const { job } = await createImportJob(db, tenantId, source, `file:${path}`, request, actor());
      if (!flags.json) process.stderr.write(`roster: import ${job.id} started\n`);
      return await finish(db, tenantId, await runImport(ctx(source), job.id));
    } finally {
      progress.stop();
    }
  });
}

async function finish(
  db: Kysely<Database>,
  tenantId: string,
  summary: ImportSummary,
): Promise<ImportSummary> {
  if (summary.jobId === null) return summary;
  const issues = await listImportIssues(db, tenantId, summary.jobId, { limit: LISTED_ISSUES });
  return { ...summary, issues: issues.map(({ id: _id, ...i }) => i) };
}

function checkpointRow(job: ImportRow): number {
  const cp = job.checkpoint as { row?: number } | null;
  return cp?.row ?? 0;
}

/**
 * The same file's import left `running` by a process that died: `roster import FILE` picks it
 * up instead of starting over, so running the command again after a crash is always right.
 */
async function findAbandoned(
  db: Kysely<Database>,
  tenantId: string,
  source: ByteSource,
): Promise<ImportRow | undefined> {
  const unfinished = (await listUnfinishedImports(db, tenantId)).filter(
    (j) => j.status === 'running' && Date.now() - j.updated_at.getTime() > ABANDONED_AFTER_MS,
  );
  if (unfinished.length === 0) return undefined;
  const { sha256 } = await hashSource(source);
  return unfinished.find((j) => j.file_sha256 === sha256);
}

function actor(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

interface MappingFile {
  mapping?: Record<string, string | null>;
  columns?: Record<string, ColumnRules>;
  transform?: TransformOptions;
  onDuplicate?: string;
  merge?: Record<string, string>;
}

function readMappingFile(path: string): MappingFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RosterError('OPTION_INVALID', `--mapping ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RosterError('OPTION_INVALID', `--mapping ${path}: expected a JSON object`);
  }
  const m = parsed as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!['mapping', 'columns', 'transform', 'onDuplicate', 'merge'].includes(key)) {
      throw new RosterError('OPTION_INVALID', `--mapping ${path}: unknown key "${key}"`);
    }
  }
  for (const key of ['mapping', 'columns', 'transform', 'merge']) {
    const v = m[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
      throw new RosterError('OPTION_INVALID', `--mapping ${path}: "${key}" must be an object`);
    }
  }
  return m as MappingFile;
}

/** Flags (and the mapping file) as an ImportRequest; flags win over the file. */
export function requestOf(flags: ImportFlags): ImportRequest {
  const file = flags.mapping !== undefined ? readMappingFile(flags.mapping) : {};
  const strategy = flags.onDuplicate ?? file.onDuplicate ?? 'skip';
  if (!STRATEGIES.includes(strategy as DuplicateStrategy)) {
    throw new RosterError(
      'OPTION_INVALID',
      `--on-duplicate must be one of ${STRATEGIES.join(', ')}`,
    );
  }
  const fileMerge = Object.entries(file.merge ?? {}).map(([k, v]) => `${k}=${v}`);
  const fields = parseFieldStrategies([...fileMerge, ...flags.merge]);
  const merge: MergeOptions = {
    strategy: strategy as DuplicateStrategy,
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
    ...(flags.clearBlanks ? { clearBlanks: true } : {}),
    ...(flags.importConsent ? { importConsent: true } : {}),
  };
  const country = flags.defaultCountry?.toUpperCase();
  const transform: TransformOptions = {
    ...file.transform,
    columns: { ...file.transform?.columns, ...file.columns },
    ...(country !== undefined ? { defaultCountry: country } : {}),
  };
  let batchSize: number | undefined;
  if (flags.batchSize !== undefined) {
    batchSize = Number(flags.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) {
      throw new RosterError(
        'OPTION_INVALID',
        '--batch-size must be a whole number from 1 to 50000',
      );
    }
  }
  const threshold = Number(flags.fuzzyThreshold);
  if (!(threshold > 0 && threshold <= 1)) {
    throw new RosterError(
      'OPTION_INVALID',
      '--fuzzy-threshold must be above 0 and at most 1, e.g. 0.85',
    );
  }
  return {
    fuzzy: flags.fuzzy ? { threshold, merge: flags.mergeFuzzy === true } : null,
    read: readOptions(flags),
    map: { ...(file.mapping ?? {}), ...parseMapFlags(flags.map) },
    transform,
    merge,
    tags: flags.tag,
    segment: flags.segment ?? null,
    mx: flags.mx === true,
    remember: flags.remember === true,
    ...(batchSize !== undefined ? { batchSize } : {}),
  };
}

/** A progress bar on a terminal (stderr); nothing otherwise. */
function progressReporter(quiet: boolean): {
  update: (p: ImportProgress) => void;
  stop: () => void;
} {
  if (quiet || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'Importing {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update: (p) => {
      const total = p.bytesTotal ?? 0;
      const rate = Math.round(p.rowsProcessed / Math.max(0.001, (Date.now() - started) / 1000));
      const payload = {
        rows: p.rowsProcessed.toLocaleString('en-US'),
        rate: rate.toLocaleString('en-US'),
      };
      if (!running) {
        bar.start(Math.max(total, 1), 0, payload);
        running = true;
      }
      bar.update(Math.min(p.bytesRead, Math.max(total, 1)), payload);
    },
    stop: () => {
      if (running) bar.stop();
    },
  };
}
