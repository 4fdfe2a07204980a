import type { Command } from 'commander';
import { RosterError } from '../core/errors.ts';
import { listCustomFields } from '../store/custom-fields.ts';
import { listSegments, saveFilterSegment } from '../store/segments.ts';
import { compileWhere, countSegment } from '../jobs/segments.ts';
import { withTenant } from './tenant-context.ts';

interface SegmentsFlags {
  json?: boolean;
  save?: string;
  where?: string;
  tenant: string;
}

/** `roster segments`: the tenant's segments with their counts; `--save NAME --where EXPR` adds one. */
export function registerSegments(program: Command): void {
  program
    .command('segments')
    .description('List segments (static lists and saved filters) with their contact counts')
    .option('--save <name>', 'save --where as a segment with this name')
    .option('--where <expr>', 'the filter of the segment to save')
    .option('--json', 'print one JSON object')
    .option('--tenant <name>', 'tenant', 'default')
    .action(async (flags: SegmentsFlags) => {
      const items = await withTenant(flags.tenant, async ({ db, tenantId }) => {
        const customFields = await listCustomFields(db, tenantId);
        if (flags.save !== undefined) {
          if (flags.where === undefined) {
            throw new RosterError('OPTION_INVALID', '--save needs the filter: --where EXPR');
          }
          compileWhere(flags.where, customFields, 1);
          await saveFilterSegment(db, tenantId, flags.save, flags.where);
        }
        const segments = await listSegments(db, tenantId);
        const out = [];
        for (const s of segments) {
          out.push({
            id: s.id,
            name: s.name,
            kind: s.filter === null ? 'static' : 'filter',
            filter: s.filter,
            contacts: await countSegment(db, tenantId, s, customFields),
            importId: s.importId,
          });
        }
        return out;
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ segments: items }, null, 2)}\n`);
        return;
      }
      if (items.length === 0) {
        process.stdout.write('No segments yet.\n');
        return;
      }
      for (const s of items) {
        process.stdout.write(
          `${s.name.padEnd(30)} ${s.kind.padEnd(7)} ${s.contacts.toLocaleString('en-US').padStart(10)} contacts${s.filter ? `  where ${s.filter}` : ''}\n`,
        );
      }
    });
}
