import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { RosterError } from '../core/errors.ts';
import type { ExportFormat } from '../core/export/index.ts';
import { runExport } from '../jobs/run-export.ts';
import { listExports } from '../store/exports.ts';
import { withTenant } from './tenant-context.ts';

const FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'json', 'ndjson'];

interface ExportFlags {
  format?: string;
  where?: string;
  segment?: string;
  fields?: string;
  out?: string;
  bom?: boolean;
  json?: boolean;
  tenant: string;
}

/** `roster export`: contacts to CSV, XLSX, JSON or NDJSON; `roster exports`: what was exported. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Export contacts (all, a segment, or a filter) to CSV, XLSX, JSON or NDJSON')
    .option('--format <fmt>', `${FORMATS.join(', ')} (default: from the --out name, else csv)`)
    .option('--where <expr>', 'filter, e.g. \'country = "Spain" and lead_score > 50\'')
    .option('--segment <name>', 'only the contacts of this segment')
    .option(
      '--fields <list>',
      'comma-separated fields or groups: standard, custom, engagement, segments, consent, audit',
    )
    .option('--out <file>', 'output file; "-" writes to standard output', undefined)
    .option('--bom', 'CSV: start with a UTF-8 byte order mark (for Excel on Windows)')
    .option('--json', 'print {"exportId","format","rows","bytes","file"} when done')
    .option('--tenant <name>', 'tenant', 'default')
    .action(async (flags: ExportFlags) => {
      const format = formatOf(flags);
      const path = flags.out === '-' ? null : resolve(flags.out ?? `contacts-export.${format}`);
      const result = await withTenant(flags.tenant, async ({ db, tenantId }) => {
        const stream = path === null ? process.stdout : createWriteStream(path);
        const done = await runExport(
          db,
          tenantId,
          {
            format,
            ...(flags.where !== undefined ? { where: flags.where } : {}),
            ...(flags.segment !== undefined ? { segment: flags.segment } : {}),
            ...(flags.fields !== undefined ? { fields: splitList(flags.fields) } : {}),
            bom: flags.bom === true,
          },
          stream,
          {
            fileName: path === null ? `stdout.${format}` : basename(path),
            storageKey: path === null ? 'stdout:' : `file:${path}`,
          },
        );
        if (path !== null) await finished(stream);
        return done;
      });
      const summary = {
        exportId: result.job.id,
        format,
        rows: result.rows,
        bytes: result.bytes,
        file: path,
      };
      // With --out - the data owns standard output; the summary goes to standard error.
      const out = path === null ? process.stderr : process.stdout;
      if (flags.json) out.write(`${JSON.stringify(summary)}\n`);
      else if (path !== null) {
        out.write(
          `Exported ${result.rows.toLocaleString('en-US')} contacts to ${path} (${format}, ${result.bytes.toLocaleString('en-US')} bytes)\n`,
        );
      }
    });

  program
    .command('exports')
    .description('List exports: date, format, filter, rows, file, expiry')
    .option('--json', 'print one JSON object')
    .option('--tenant <name>', 'tenant', 'default')
    .action(async (flags: { json?: boolean; tenant: string }) => {
      const rows = await withTenant(flags.tenant, ({ db, tenantId }) => listExports(db, tenantId));
      const items = rows.map((e) => ({
        exportId: e.id,
        createdAt: e.created_at.toISOString(),
        format: e.format,
        status: e.status,
        filter: e.filter,
        rows: e.row_count,
        bytes: e.file_size,
        file: e.storage_key?.startsWith('file:') ? e.storage_key.slice(5) : e.file_name,
        expiresAt: e.expires_at?.toISOString() ?? null,
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ exports: items }, null, 2)}\n`);
        return;
      }
      if (items.length === 0) {
        process.stdout.write('No exports yet.\n');
        return;
      }
      for (const i of items) {
        process.stdout.write(
          `${i.createdAt.slice(0, 16).replace('T', ' ')}  ${i.format.padEnd(6)} ${i.status.padEnd(9)} ${String(i.rows ?? '-').padStart(9)} rows  ${i.file ?? ''}${i.filter ? `  where ${i.filter}` : ''}\n`,
        );
      }
    });
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
}

function formatOf(flags: ExportFlags): ExportFormat {
  const extension = flags.out?.split('.').pop()?.toLowerCase();
  const format =
    flags.format ??
    (extension !== undefined && FORMATS.includes(extension as ExportFormat) ? extension : 'csv');
  if (!FORMATS.includes(format as ExportFormat)) {
    throw new RosterError('OPTION_INVALID', `--format must be one of ${FORMATS.join(', ')}`);
  }
  return format as ExportFormat;
}
