import type { Command } from 'commander';
import { RosterError } from '../core/errors.ts';
import { listImports } from '../store/imports.ts';
import type { ImportRow } from '../store/schema.ts';
import { displayStatus, statusLabel } from './import-status.ts';
import { withTenant } from './tenant-context.ts';

interface HistoryFlags {
  json?: boolean;
  limit: string;
  tenant: string;
}

/** `roster history`: the tenant's imports, newest first. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('List imports: date, user, file, status and counts')
    .option('--json', 'print one JSON object (stable interface, see README)')
    .option('--limit <n>', 'how many imports', '50')
    .option('--tenant <name>', 'tenant', 'default')
    .action(async (flags: HistoryFlags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new RosterError('OPTION_INVALID', '--limit must be a whole number from 1 to 10000');
      }
      const jobs = await withTenant(flags.tenant, ({ db, tenantId }) =>
        listImports(db, tenantId, { limit }),
      );
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ imports: jobs.map(historyJson) }, null, 2)}\n`
          : renderHistory(jobs),
      );
    });
}

export function historyJson(job: ImportRow): Record<string, unknown> {
  return {
    jobId: job.id,
    createdAt: job.created_at.toISOString(),
    user: job.actor,
    fileName: job.file_name,
    status: displayStatus(job),
    totalRows: job.rows_total ?? job.rows_processed,
    imported: job.rows_created + job.rows_updated + job.rows_unchanged,
    created: job.rows_created,
    updated: job.rows_updated,
    unchanged: job.rows_unchanged,
    skipped: job.rows_skipped,
    rejected: job.rows_rejected,
    duplicatesInFile: job.rows_duplicate_in_file,
  };
}

function renderHistory(jobs: ImportRow[]): string {
  if (jobs.length === 0) return 'No imports yet.\n';
  const rows = jobs.map((j) => {
    const total = j.rows_total ?? j.rows_processed;
    const imported = j.rows_created + j.rows_updated + j.rows_unchanged;
    const status = displayStatus(j);
    return [
      j.created_at.toISOString().slice(0, 16).replace('T', ' '),
      j.actor ?? '',
      j.file_name,
      statusLabel(status),
      status === 'success'
        ? imported.toLocaleString('en-US')
        : `${imported.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`,
      j.id,
    ];
  });
  const head = ['Date (UTC)', 'User', 'File', 'Status', 'Records', 'Job'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(head), widths.map((w) => '━'.repeat(w)).join('━━'), ...rows.map(line)].join('\n')}\n`;
}
