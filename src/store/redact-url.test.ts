import { describe, expect, it } from 'vitest';
import { redactPassword, redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  it('hides the password and secret-looking parameters', () => {
    expect(redactUrl('postgres://roster:s3cret@db:5432/roster')).toBe(
      'postgres://roster:***@db:5432/roster',
    );
    expect(redactUrl('postgres://db/roster?sslpassword=x&sslmode=require')).toBe(
      'postgres://db/roster?sslpassword=***&sslmode=require',
    );
    expect(redactUrl('postgres://roster@db/roster')).toBe('postgres://roster@db/roster');
  });

  it('shows only the scheme of something that is not a URL', () => {
    expect(redactUrl('postgres:user:pw@@')).toBe('postgres://…');
    expect(redactUrl('user:pw host')).toBe('user://…');
    expect(redactUrl('::')).toBe('(unparseable URL)');
  });
});

describe('redactPassword', () => {
  it('removes the decoded password wherever a message quotes it', () => {
    expect(redactPassword('auth failed for p@ss w0rd', 'postgres://u:p%40ss%20w0rd@h/db')).toBe(
      'auth failed for ***',
    );
  });
});
