import type { Command } from 'commander';
import { registerAccounts } from './accounts.ts';
import { registerExport } from './export.ts';
import { registerHistory } from './history.ts';
import { registerImport } from './import.ts';
import { registerInspect } from './inspect.ts';
import { registerMigrate } from './migrate.ts';
import { registerRollback } from './rollback.ts';
import { registerSegments } from './segments.ts';
import { registerServe } from './serve.ts';
import { registerShow } from './show.ts';

/** Every sub-command, one file each. */
export function registerCommands(program: Command): void {
  registerInspect(program);
  registerImport(program);
  registerHistory(program);
  registerShow(program);
  registerRollback(program);
  registerExport(program);
  registerSegments(program);
  registerMigrate(program);
  registerServe(program);
  registerAccounts(program);
}
