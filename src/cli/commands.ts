import type { Command } from 'commander';

/** Every sub-command, one file each. */
export function registerCommands(_program: Command): void {}
