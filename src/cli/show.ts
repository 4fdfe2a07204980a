import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { importFileSource } from '../files/import-file.ts';
import { writeErrorReport } from '../jobs/error-report.ts';
import type { ImportOptions } from '../jobs/import-options.ts';
import { summaryOf } from '../jobs/run-import.ts';
import { listImportIssues } from '../store/import-issues.ts';
import { getImport } from '../store/imports.ts';
import type { Database, ImportRow } from '../store/schema.ts';
import { importJson, LISTED_ISSUES } from './import-json.ts';
import { displayStatus, statusLabel } from './import-status.ts';
import { withTenant } from './tenant-context.ts';

interface ShowFlags {
  json?: boolean;
  errors?: string;
  file?: string;
  tenant: string;
}

/** `roster show JOB`: the details of one import; `--errors FILE` writes its error report. */
export function registerShow(program: Command): void {
  program
    .command('show')
    .description('Show one import: summary, mapping, tags, segment, issues by code')
    .argument('<job>', 'import id (see roster history)')
    .option('--json', 'print one JSON object (stable interface, see README)')
    .option('--errors <report.csv>', 'write the rows with errors or warnings, to fix and re-import')
    .option('--file <path>', 'where the imported file is now, if it moved')
    .option('--tenant <name>', 'tenant', 'default')
    .action(async (id: string, flags: ShowFlags) => {
      await withTenant(flags.tenant, async ({ db, tenantId }) => {
        const job = await getImport(db, tenantId, id);
        const details = await detailsOf(db, tenantId, job);
        let report: { path: string; rows: number } | undefined;
        if (flags.errors !== undefined) {
          const path = resolve(flags.errors);
          const source = await importFileSource(job, flags.file);
          const result = await writeErrorReport(db, tenantId, job, source, createWriteStream(path));
          report = { path, rows: result.rows };
        }
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ ...details, ...(report ? { errorReport: report } : {}) }, null, 2)}\n`,
          );
        } else {
          process.stdout.write(renderDetails(details));
          if (report)
            process.stdout.write(`\nError report: ${report.rows} rows written to ${report.path}\n`);
        }
      });
    });
}

export interface ImportDetails {
  jobId: string;
  fileName: string;
  fileSize: number;
  format: string;
  status: string;
  user: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  rolledBackAt: string | null;
  summary: ReturnType<typeof importJson>;
  onDuplicate: string;
  mapping: { header: string; field: string | null }[];
  tags: string[];
  segment: { id: string; name: string; contacts: number } | null;
  rollback: unknown;
  error: unknown;
}

export async function detailsOf(
  db: Kysely<Database>,
  tenantId: string,
  job: ImportRow,
): Promise<ImportDetails> {
  const options = job.options as unknown as ImportOptions;
  const issues = await listImportIssues(db, tenantId, job.id, { limit: LISTED_ISSUES });
  let segment: ImportDetails['segment'] = null;
  if (job.segment_id !== null) {
    const row = await db
      .selectFrom('segments')
      .select(['id', 'name'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', job.segment_id)
      .executeTakeFirst();
    if (row) {
      const members = await db
        .selectFrom('segment_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('segment_id', '=', row.id)
        .where('import_id', '=', job.id)
        .executeTakeFirstOrThrow();
      segment = { id: row.id, name: row.name, contacts: Number(members.n) };
    }
  }
  return {
    jobId: job.id,
    fileName: job.file_name,
    fileSize: job.file_size,
    format: job.file_format,
    status: displayStatus(job),
    user: job.actor,
    createdAt: job.created_at.toISOString(),
    startedAt: job.started_at?.toISOString() ?? null,
    finishedAt: job.finished_at?.toISOString() ?? null,
    rolledBackAt: job.rolled_back_at?.toISOString() ?? null,
    summary: importJson(
      summaryOf(
        job,
        issues.map(({ id: _id, ...i }) => i),
      ),
    ),
    onDuplicate: options.merge.strategy,
    mapping: options.columns.map((c) => ({ header: c.header, field: c.field })),
    tags: [...(options.transform.importTags ?? [])],
    segment,
    rollback: job.rollback,
    error: job.error,
  };
}

const n = (v: number): string => v.toLocaleString('en-US');

function renderDetails(d: ImportDetails): string {
  const s = d.summary;
  const pct = (v: number): string =>
    s.totalRows === 0 ? '' : ` (${((100 * v) / s.totalRows).toFixed(1)}%)`;
  const imported = s.created + s.updated + s.unchanged;
  const lines = [
    `Import Details: ${d.fileName}`,
    `Imported: ${d.createdAt.slice(0, 19).replace('T', ' ')} UTC`,
    `User: ${d.user ?? '-'}`,
    `Status: ${statusLabel(d.status as Parameters<typeof statusLabel>[0])}`,
    `Job: ${d.jobId}`,
    '',
    'Summary:',
    `  File: ${d.fileName} (${formatBytes(d.fileSize)}, ${d.format})`,
    `  Total Rows: ${n(s.totalRows)}`,
    `  Imported Successfully: ${n(imported)}${pct(imported)}`,
    `    - New Contacts: ${n(s.created)}`,
    `    - Updated Existing: ${n(s.updated)}`,
    `    - Unchanged: ${n(s.unchanged)}`,
    `  Skipped (Errors): ${n(s.rejected)}${pct(s.rejected)}`,
    `  Skipped (Duplicates): ${n(s.duplicatesInFile + s.skipped)}${pct(s.duplicatesInFile + s.skipped)}`,
    `  Duplicate handling: ${d.onDuplicate}`,
  ];
  const codes = Object.entries(s.issues).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) {
    lines.push('', 'Issues:');
    for (const [code, count] of codes) lines.push(`  ${n(count).padStart(8)} × ${code}`);
  }
  lines.push('', 'Mapping:');
  for (const m of d.mapping) lines.push(`  ${m.header} → ${m.field ?? '(not imported)'}`);
  if (d.tags.length > 0) {
    lines.push('', 'Tags Added:');
    for (const t of d.tags) lines.push(`  - ${t}`);
  }
  if (d.segment)
    lines.push('', 'Segment:', `  - "${d.segment.name}" (${n(d.segment.contacts)} contacts)`);
  if (d.error) lines.push('', `Error: ${JSON.stringify(d.error)}`);
  if (d.rollback) lines.push('', `Rollback: ${JSON.stringify(d.rollback)}`);
  lines.push(
    '',
    `Error report: roster show ${d.jobId} --errors report.csv`,
    `Rollback:     roster rollback ${d.jobId}`,
  );
  return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
