import type { Command } from 'commander';
import { RosterError } from '../core/errors.ts';
import type { FieldRef } from '../core/model/fields.ts';
import { inspectTable } from '../core/inspect/inspect-table.ts';
import type { InspectResult } from '../core/inspect/inspect-table.ts';
import type { InputFormat, ReadOptions } from '../core/read/types.ts';
import { fileSource } from '../files/file-source.ts';
import { withTenant } from './tenant-context.ts';
import { findPreset, savePreset } from '../store/mapping-presets.ts';
import { listCustomFields } from '../store/custom-fields.ts';
import { renderInspect } from './render-inspect.ts';
import { inspectionJson } from '../core/inspect/inspection-json.ts';

/** The read flags inspect and import share. */
export interface ReadFlags {
  sheet?: string;
  header?: boolean;
  encoding?: string;
  delimiter?: string;
  format?: string;
}

interface InspectFlags extends ReadFlags {
  json?: boolean;
  map: string[];
  remember?: boolean;
  tenant: string;
  db: boolean;
}

const FORMATS: readonly InputFormat[] = ['csv', 'xlsx', 'xls', 'json', 'ndjson'];

/** `roster inspect FILE`: format, encoding, columns and suggested mapping, issues. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'Read a contact file and show its format, columns, suggested field mapping and problems',
    )
    .argument('<file>', 'CSV, TSV, XLSX, XLS, JSON or NDJSON file')
    .option('--json', 'print one JSON object (stable interface, see README)')
    .option('--sheet <name>', 'XLSX/XLS: the sheet to read')
    .option('--no-header', 'the file has no header row: columns map by position and values')
    .option('--encoding <enc>', 'text encoding, e.g. utf-8, windows-1252, utf-16le')
    .option('--delimiter <d>', 'CSV delimiter: "," ";" "\\t" "|" or any single character')
    .option('--format <fmt>', `force the format: ${FORMATS.join(', ')}`)
    .option(
      '--map <header=field>',
      'set a column\'s field by hand (repeatable; field "-" skips it)',
      collect,
      [],
    )
    .option('--remember', 'remember the resulting mapping for files with the same header row')
    .option(
      '--tenant <name>',
      'tenant whose custom fields and remembered mappings apply',
      'default',
    )
    .option('--no-db', 'do not open the database (no remembered mappings or custom fields)')
    .action(async (file: string, flags: InspectFlags) => {
      const result = await runInspect(file, flags);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(inspectionJson(result), null, 2)}\n`
          : renderInspect(file, result),
      );
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `--map "Header=field"` values; `-` or an empty field means "don't import". */
export function parseMapFlags(values: string[]): Record<string, FieldRef | null> {
  const out: Record<string, FieldRef | null> = {};
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0)
      throw new RosterError('OPTION_INVALID', `--map expects "Header=field", got "${v}"`);
    const field = v.slice(eq + 1).trim();
    out[v.slice(0, eq)] = field === '' || field === '-' ? null : field;
  }
  return out;
}

export function readOptions(flags: ReadFlags): Omit<ReadOptions, 'onIssue'> {
  if (flags.format !== undefined && !FORMATS.includes(flags.format as InputFormat)) {
    throw new RosterError('OPTION_INVALID', `--format must be one of ${FORMATS.join(', ')}`);
  }
  const delimiter = flags.delimiter === '\\t' || flags.delimiter === 'tab' ? '\t' : flags.delimiter;
  if (delimiter !== undefined && [...delimiter].length !== 1) {
    throw new RosterError('OPTION_INVALID', '--delimiter must be a single character');
  }
  return {
    ...(flags.format !== undefined ? { format: flags.format as InputFormat } : {}),
    ...(flags.encoding !== undefined ? { encoding: flags.encoding } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(flags.sheet !== undefined ? { sheet: flags.sheet } : {}),
    // commander sets header=false for --no-header; absent means "detect".
    ...(flags.header === false ? { hasHeader: false } : {}),
  };
}

async function runInspect(file: string, flags: InspectFlags): Promise<InspectResult> {
  const source = fileSource(file);
  const overrides = parseMapFlags(flags.map);
  const options = readOptions(flags);
  if (!flags.db) {
    if (flags.remember)
      throw new RosterError('OPTION_INVALID', '--remember needs the database (drop --no-db)');
    return inspectTable(source, { ...options, overrides });
  }
  return withTenant(flags.tenant, async ({ db, tenantId }) => {
    const customFields = await listCustomFields(db, tenantId);
    const result = await inspectTable(source, {
      ...options,
      customFields,
      overrides,
      findPreset: async (fingerprint) => (await findPreset(db, tenantId, fingerprint)) ?? undefined,
    });
    if (flags.remember) {
      await savePreset(db, tenantId, {
        fingerprint: result.fingerprint,
        header: result.columns.map((c) => c.header),
        mapping: Object.fromEntries(result.columns.map((c) => [c.header, c.field])),
        transforms: {},
      });
    }
    return result;
  });
}
