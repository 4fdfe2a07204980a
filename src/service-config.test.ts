import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceConfig } from './service-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadServiceConfig', () => {
  it('listens on loopback with defaults, and keeps a generated secret in the data folder', () => {
    const dataDir = join(dir, 'a');
    const config = loadServiceConfig({ ROSTER_DATA_DIR: dataDir });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      workers: 2,
      exportTtlDays: 7,
      leaseSeconds: 60,
      reapIntervalSeconds: 30,
      maxUploadBytes: 1024 * 1024 * 1024,
      secureCookies: false,
    });
    expect(config.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dataDir, 'secret'), 'utf8').trim()).toBe(config.secret);
    expect(statSync(join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    // The same secret on the next start: links signed before a restart still work.
    expect(loadServiceConfig({ ROSTER_DATA_DIR: dataDir }).secret).toBe(config.secret);
  });

  it('names the variable of a wrong value', () => {
    const env = { ROSTER_DATA_DIR: join(dir, 'b') };
    expect(() => loadServiceConfig({ ...env, ROSTER_PORT: 'http' })).toThrow(/ROSTER_PORT/);
    expect(() => loadServiceConfig({ ...env, ROSTER_WORKERS: '-1' })).toThrow(/ROSTER_WORKERS/);
    expect(() => loadServiceConfig({ ...env, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadServiceConfig({ ...env, ROSTER_TRUST_PROXY: 'maybe' })).toThrow(
      /ROSTER_TRUST_PROXY/,
    );
    expect(() => loadServiceConfig({ ...env, ROSTER_SECRET: 'short' })).toThrow(/ROSTER_SECRET/);
  });

  it('requires a shared secret on PostgreSQL, and takes S3 settings', () => {
    expect(() => loadServiceConfig({ DATABASE_URL: 'postgres://roster@db:5432/roster' })).toThrow(
      /ROSTER_SECRET must be set when DATABASE_URL is/,
    );
    const config = loadServiceConfig({
      DATABASE_URL: 'postgres://roster@db:5432/roster',
      ROSTER_SECRET: 'a-long-enough-shared-secret',
      ROSTER_HOST: '0.0.0.0',
      S3_BUCKET: 'roster',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config.s3).toEqual({
      bucket: 'roster',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    // Off loopback, session cookies are sent over HTTPS only.
    expect(config.secureCookies).toBe(true);
  });
});
