/**
 * Child process of the crash-and-resume test: runs one stored import and prints a line after
 * every committed batch, so the parent can kill it (SIGKILL) at a chosen point.
 * Env: ROSTER_TEST_DB (postgres URL or PGlite data dir), ROSTER_TEST_TENANT, ROSTER_TEST_JOB,
 * ROSTER_TEST_FILE.
 */
import { openDatabase } from '../../src/store/connection.ts';
import { fileSource } from '../../src/files/file-source.ts';
import { runImport } from '../../src/jobs/run-import.ts';

const target = process.env['ROSTER_TEST_DB'] ?? '';
const handle = await openDatabase(
  target.startsWith('postgres') ? { databaseUrl: target } : { dataDir: target },
);
await runImport(
  {
    db: handle.db,
    tenantId: process.env['ROSTER_TEST_TENANT'] ?? '',
    source: fileSource(process.env['ROSTER_TEST_FILE'] ?? ''),
    onProgress: (p) => process.stdout.write(`committed ${p.rowsProcessed}\n`),
  },
  process.env['ROSTER_TEST_JOB'] ?? '',
);
await handle.close();
process.stdout.write('done\n');
