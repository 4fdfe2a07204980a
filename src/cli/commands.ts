import type { Command } from 'commander';
import { registerImport } from './import.ts';
import { registerInspect } from './inspect.ts';
import { registerMigrate } from './migrate.ts';

/** Every sub-command, one file each. */
export function registerCommands(program: Command): void {
  registerInspect(program);
  registerImport(program);
  registerMigrate(program);
}
