import { createWriteStream, readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { finished } from 'node:stream/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { RosterError } from '../core/errors.ts';
import type { ExportFormat } from '../core/export/index.ts';
import { runExport, type ExportProgress } from '../jobs/run-export.ts';
import { listExports } from '../store/exports.ts';
import { withTenant } from './tenant-context.ts';

const FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'json', 'ndjson'];

interface ExportFlags {
  format?: string;
  where?: string;
  segment?: string;
  ids?: string;
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
    .option('--ids <list>', 'only these contact ids: comma-separated, or @FILE with one id a line')
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
      const ids = flags.ids === undefined ? undefined : contactIds(flags.ids);
      const progress = progressBar(flags.json === true || path === null);
      const result = await withTenant(flags.tenant, async ({ db, raw, tenantId }) => {
        const stream = path === null ? process.stdout : createWriteStream(path);
        const done = await runExport(
          db,
          tenantId,
          {
            format,
            ...(flags.where !== undefined ? { where: flags.where } : {}),
            ...(flags.segment !== undefined ? { segment: flags.segment } : {}),
            ...(ids !== undefined ? { ids } : {}),
            ...(flags.fields !== undefined ? { fields: splitList(flags.fields) } : {}),
            bom: flags.bom === true,
          },
          stream,
          {
            fileName: path === null ? `stdout.${format}` : basename(path),
            storageKey: path === null ? 'stdout:' : `file:${path}`,
          },
          progress.update,
          { raw },
        ).finally(progress.stop);
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `--ids a,b,c` or `--ids @file` (ids separated by new lines, commas or spaces). */
function contactIds(value: string): string[] {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new RosterError(
        'FILE_UNREADABLE',
        `Cannot read the id list ${value.slice(1)}`,
        {},
        {
          cause: err,
        },
      );
    }
  }
  const ids = text.split(/[\s,]+/).filter((id) => id !== '');
  const bad = ids.findIndex((id) => !UUID.test(id));
  if (bad >= 0) {
    throw new RosterError(
      'OPTION_INVALID',
      `--ids: "${ids[bad]}" (item ${bad + 1}) is not a contact id`,
      {
        item: bad + 1,
        value: ids[bad],
      },
    );
  }
  if (ids.length === 0) throw new RosterError('OPTION_INVALID', '--ids lists no contact id');
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** A progress bar on a terminal (stderr) unless the output is standard output or JSON. */
function progressBar(quiet: boolean): { update: (p: ExportProgress) => void; stop: () => void } {
  if (quiet || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'Exporting {bar} {percentage}% | {value}/{total} contacts | ETA {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update: ({ rows, total }) => {
      if (!running) {
        bar.start(Math.max(total, 1), rows);
        running = true;
      }
      bar.setTotal(Math.max(total, rows, 1));
      bar.update(rows);
    },
    stop: () => {
      if (running) bar.stop();
    },
  };
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
