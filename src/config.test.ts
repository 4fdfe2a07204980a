import { describe, expect, it } from 'vitest';
import { isRosterError } from './core/errors.ts';
import { DEFAULT_DATA_DIR, loadConfig } from './config.ts';

const configError = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (err) {
    if (isRosterError(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
};

describe('loadConfig', () => {
  it('defaults to the embedded database in ./roster-data', () => {
    expect(loadConfig({})).toEqual({ dataDir: DEFAULT_DATA_DIR });
    expect(DEFAULT_DATA_DIR).toBe('./roster-data');
  });

  it('reads DATABASE_URL and ROSTER_DATA_DIR, treating empty values as unset', () => {
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://roster@db:5432/roster',
        ROSTER_DATA_DIR: '/var/lib/roster',
      }),
    ).toEqual({
      databaseUrl: 'postgres://roster@db:5432/roster',
      dataDir: '/var/lib/roster',
    });
    expect(loadConfig({ DATABASE_URL: '  ', ROSTER_DATA_DIR: '' })).toEqual({
      dataDir: DEFAULT_DATA_DIR,
    });
  });

  it('accepts postgresql:// and Unix-socket URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl).toBe(
      'postgresql://u@h/db',
    );
    const socket = 'postgres:///roster?host=/run/postgresql';
    expect(loadConfig({ DATABASE_URL: socket }).databaseUrl).toBe(socket);
  });

  it('rejects malformed URLs without echoing the password', () => {
    expect(configError({ DATABASE_URL: 'db.internal:5432' })).toMatch(
      /DATABASE_URL must start with postgres/,
    );
    expect(configError({ DATABASE_URL: 'not a url' })).toMatch(/DATABASE_URL is not a URL/);
    const mysql = configError({ DATABASE_URL: 'mysql://root:topsecret@h/db' });
    expect(mysql).toMatch(/postgres:\/\//);
    expect(mysql).not.toContain('topsecret');
    const noHost = configError({ DATABASE_URL: 'postgres:roster:topsecret@db/roster' });
    expect(noHost).toMatch(/no host/);
    expect(noHost).not.toContain('topsecret');
    const broken = configError({ DATABASE_URL: 'postgres://:topsecret@/db' });
    expect(broken).toMatch(/not a URL/);
    expect(broken).not.toContain('topsecret');
  });

  it('rejects a data directory with a NUL character', () => {
    expect(configError({ ROSTER_DATA_DIR: 'a\0b' })).toMatch(/ROSTER_DATA_DIR/);
  });
});
