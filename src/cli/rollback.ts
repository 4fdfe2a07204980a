import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { RosterError } from '../core/errors.ts';
import { rollbackImport, type RollbackResult } from '../store/rollback-import.ts';
import { previewRollback, type RollbackPreview } from '../store/rollback-preview.ts';
import { withTenant } from './tenant-context.ts';

interface RollbackFlags {
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  tenant: string;
}

/** `roster rollback JOB`: undo an import (asks first on a terminal; `--yes` does not ask). */
export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description(
      'Undo an import: delete the contacts it created, restore the ones it changed, remove its tags and segment',
    )
    .argument('<job>', 'import id (see roster history)')
    .option('--yes', 'do not ask for confirmation (needed when not on a terminal)')
    .option('--force', 'also roll back contacts edited after the import (their edits are lost)')
    .option('--json', 'print one JSON object (stable interface, see README)')
    .option('--tenant <name>', 'tenant', 'default')
    .action(async (id: string, flags: RollbackFlags) => {
      const interactive = process.stdin.isTTY && process.stdout.isTTY;
      if (!flags.yes && !interactive) {
        throw new RosterError(
          'OPTION_INVALID',
          'Rollback deletes and overwrites contacts; not on a terminal, pass --yes to confirm',
        );
      }
      // With --json, stdout carries only the JSON object: the question goes to stderr.
      const screen = flags.json ? process.stderr : process.stdout;
      await withTenant(flags.tenant, async ({ db, tenantId }) => {
        const force = flags.force ?? false;
        if (!flags.yes) {
          const preview = await previewRollback(db, tenantId, id, { force });
          if (!preview.nothingToDo) {
            screen.write(renderPreview(preview, force));
            const question =
              preview.toDelete > 0
                ? `Delete ${plural(preview.toDelete, 'contact', 'contacts')} and roll back this import? [y/N] `
                : 'Roll back this import? [y/N] ';
            if (!(await confirm(screen, question))) {
              screen.write('Rollback cancelled: nothing was changed.\n');
              return;
            }
          }
        }
        const result = await rollbackImport(db, tenantId, id, {
          force,
          actor: { type: 'cli', id: osUser() },
        });
        process.stdout.write(
          flags.json ? `${JSON.stringify(rollbackJson(result), null, 2)}\n` : renderResult(result),
        );
      });
    });
}

/** The documented `--json` shape (README: "roster rollback --json"). */
export function rollbackJson(r: RollbackResult): Record<string, unknown> {
  const s = r.summary;
  return {
    jobId: r.jobId,
    status: r.status,
    changed: r.changed,
    rolledBackAt: r.rolledBackAt,
    deleted: s.deleted,
    restored: s.restored,
    conflicts: s.conflicts,
    gone: s.gone,
    conflictContactIds: s.conflictContactIds,
    tagsRemoved: s.tagsRemoved,
    segment: s.segment,
    segmentDeleted: s.segmentDeleted,
    forced: s.forced,
  };
}

const n = (v: number): string => v.toLocaleString('en-US');
const plural = (v: number, one: string, many: string): string => `${n(v)} ${v === 1 ? one : many}`;

/** The spec's "Rollback Import" screen, as text. */
export function renderPreview(p: RollbackPreview, force: boolean): string {
  const lines = [`Rollback Import: ${p.fileName}`, '', '⚠ Warning: This will:'];
  if (p.toDelete > 0)
    lines.push(`  - Delete ${plural(p.toDelete, 'contact', 'contacts')} created by this import`);
  if (p.toRestore > 0)
    lines.push(`  - Restore ${plural(p.toRestore, 'contact', 'contacts')} to their previous state`);
  if (p.tags.length > 0) lines.push(`  - Remove tags: ${p.tags.join(', ')}`);
  if (p.segment) {
    lines.push(
      p.segment.action === 'delete'
        ? `  - Delete segment: "${p.segment.name}"`
        : `  - Remove ${plural(p.segment.members, 'contact', 'contacts')} from segment "${p.segment.name}" (it keeps ${n(p.segment.otherMembers)} added by others)`,
    );
  }
  if (p.toDelete + p.toRestore === 0 && !p.segment) lines.push('  - Change no contacts');
  if (p.conflicts > 0) {
    lines.push(
      '',
      `${plural(p.conflicts, 'contact was', 'contacts were')} edited after the import: left as ${p.conflicts === 1 ? 'it is' : 'they are'} and reported as conflicts (--force rolls them back too).`,
    );
  }
  if (force) lines.push('', '--force: contacts edited after the import lose those edits.');
  if (p.gone > 0)
    lines.push(
      '',
      `${plural(p.gone, 'contact', 'contacts')} of this import no longer exist (nothing to do).`,
    );
  if (p.status === 'rolling_back')
    lines.push('', 'An earlier rollback of this import was interrupted: this finishes it.');
  lines.push('', 'This action CANNOT be undone.', '');
  return `${lines.join('\n')}\n`;
}

function renderResult(r: RollbackResult): string {
  const s = r.summary;
  if (!r.changed) {
    const hint =
      s.conflicts > 0
        ? `\n${plural(s.conflicts, 'contact was', 'contacts were')} left in conflict; roster rollback ${r.jobId} --force rolls ${s.conflicts === 1 ? 'it' : 'them'} back.`
        : '';
    return `Import ${r.jobId} is already rolled back: nothing to do.${hint}\n`;
  }
  const lines = [
    `Rolled back import ${r.jobId}:`,
    `  Deleted: ${plural(s.deleted, 'contact', 'contacts')}`,
    `  Restored: ${plural(s.restored, 'contact', 'contacts')}`,
    `  Conflicts (edited after the import, left as they are): ${n(s.conflicts)}`,
  ];
  if (s.gone > 0) lines.push(`  Already deleted by someone else: ${n(s.gone)}`);
  if (s.tagsRemoved.length > 0) lines.push(`  Tags removed: ${s.tagsRemoved.join(', ')}`);
  if (s.segment) {
    lines.push(
      s.segment.deleted
        ? `  Segment "${s.segment.name}" deleted`
        : `  Segment "${s.segment.name}": this import's contacts removed, ${n(s.segment.remainingMembers)} left`,
    );
  }
  if (s.conflicts > 0) {
    lines.push(
      '',
      `Conflicting contacts: ${s.conflictContactIds.join(', ')}${s.conflicts > s.conflictContactIds.length ? ', …' : ''}`,
      `Roll them back anyway: roster rollback ${r.jobId} --force`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function confirm(out: NodeJS.WritableStream, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: out });
  try {
    const answer = await rl.question(question);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

function osUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    // No user database entry (some containers): the audit trail then says "cli" only.
    return null;
  }
}
