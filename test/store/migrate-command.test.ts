import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { isRosterError } from '../../src/core/errors.ts';
import { registerMigrate } from '../../src/cli/migrate.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { TEST_DATABASE_URL, createTestDatabase, type TestDatabase } from '../support/backends.ts';

async function runMigrate(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  let out = '';
  const program = new Command('roster').exitOverride();
  registerMigrate(program, { env, write: (text) => (out += text) });
  await program.parseAsync(['node', 'roster', 'migrate', ...args]);
  return out;
}

const ALL = Object.keys(MIGRATIONS);

describe('roster migrate [pglite]', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies migrations to ROSTER_DATA_DIR, then reports nothing to do', async () => {
    dir = await mkdtemp(join(tmpdir(), 'roster-cli-'));
    const env = { ROSTER_DATA_DIR: join(dir, 'data') };
    expect(JSON.parse(await runMigrate(env, ['--json']))).toEqual({
      applied: ALL,
      backend: 'pglite',
    });
    const text = await runMigrate(env, []);
    expect(text).toBe(
      `Nothing to apply: the embedded database in ${env.ROSTER_DATA_DIR} is up to date.\n`,
    );
  });

  it('fails with CONFIG_INVALID on a bad DATABASE_URL', async () => {
    await expect(runMigrate({ DATABASE_URL: 'mysql://h/db' }, [])).rejects.toSatisfy((e) =>
      isRosterError(e, 'CONFIG_INVALID'),
    );
  });
});

(TEST_DATABASE_URL ? describe : describe.skip)('roster migrate [postgres]', () => {
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.drop();
  });

  it('applies migrations to DATABASE_URL and prints them', async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    const text = await runMigrate(env, []);
    expect(text).toContain(`Applied ${ALL.length} migration`);
    for (const name of ALL) expect(text).toContain(`  ${name}\n`);
    expect(JSON.parse(await runMigrate(env, ['--json']))).toEqual({
      applied: [],
      backend: 'postgres',
    });
  });
});
