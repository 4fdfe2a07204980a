/**
 * Runs the real `roster` command in a child process, on an embedded database in a temporary
 * folder of the test file's own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A data folder removed after the test file, and a function that runs `roster` on it.
 *
 * @example
 * const { dataDir, roster } = cliOnTempDatabase('roster-cli-import-');
 * const r = await roster(['history', '--json']);
 */
export function cliOnTempDatabase(prefix: string): {
  dataDir: string;
  roster: (args: string[]) => Promise<CliResult>;
} {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const roster = async (args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['bin/roster.js', ...args], {
        env: { ...process.env, ROSTER_DATA_DIR: dataDir, DATABASE_URL: '' },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as CliResult;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  return { dataDir, roster };
}
