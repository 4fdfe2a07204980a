import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  checkObjectKey,
  meterBody,
  newBodyMeter,
  CountingPassThrough,
} from '../../src/files/object-store.ts';
import {
  contentDisposition,
  signLinkToken,
  verifySignedToken,
} from '../../src/files/signed-link.ts';

const SECRET = 'test-secret-0123456789abcdef';
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('signed link tokens', () => {
  const link = {
    key: 'tenants/t1/exports/e1.csv',
    fileName: 'Käufer "Q1".csv',
    contentType: 'text/csv',
    expiresAt: NOW + 300_000,
  };

  it('round-trips key, file name, content type and expiry', () => {
    const token = signLinkToken(link, SECRET);
    expect(verifySignedToken(token, SECRET, NOW)).toEqual(link);
    const { contentType: _omit, ...plain } = link;
    expect(verifySignedToken(signLinkToken(plain, SECRET), SECRET, NOW)).toEqual(plain);
  });

  it('expires at its expiry, not before', () => {
    const token = signLinkToken(link, SECRET);
    expect(verifySignedToken(token, SECRET, link.expiresAt - 1).key).toBe(link.key);
    expect(code(() => verifySignedToken(token, SECRET, link.expiresAt))).toBe('LINK_EXPIRED');
  });

  it('refuses a token whose payload was changed, even with a matching shape', () => {
    const token = signLinkToken(link, SECRET);
    const [, signature] = token.split('.') as [string, string];
    for (const change of [{ k: 'tenants/t2/exports/e1.csv' }, { e: NOW / 1000 + 10 ** 6 }]) {
      const payload = Buffer.from(
        JSON.stringify({
          k: link.key,
          n: link.fileName,
          c: link.contentType,
          e: NOW / 1000 + 300,
          ...change,
        }),
      ).toString('base64url');
      expect(code(() => verifySignedToken(`${payload}.${signature}`, SECRET, NOW))).toBe(
        'LINK_INVALID',
      );
    }
  });

  it('refuses an expired token that was tampered with as invalid, not expired', () => {
    const token = signLinkToken(link, SECRET);
    const later = link.expiresAt + 1;
    expect(code(() => verifySignedToken(token.slice(0, -2) + 'AA', SECRET, later))).toBe(
      'LINK_INVALID',
    );
  });

  it.each(['', 'abc', 'a.b.c', 'payload.', '.signature', 'pay load.sig', 'payload.sig+/='])(
    'refuses the malformed token %j',
    (token) => {
      expect(code(() => verifySignedToken(token, SECRET, NOW))).toBe('LINK_INVALID');
    },
  );

  it('refuses a correctly signed payload that is not a link', () => {
    for (const json of [
      '[1,2]',
      'null',
      '{"k":1,"n":"a","e":1}',
      'not json',
      '{"k":"a","n":"b"}',
    ]) {
      const payload = Buffer.from(json).toString('base64url');
      const sig = createHmac('sha256', SECRET).update(payload).digest('base64url');
      expect(code(() => verifySignedToken(`${payload}.${sig}`, SECRET, NOW))).toBe('LINK_INVALID');
    }
  });

  it('needs a secret of at least 16 characters and a valid key', () => {
    expect(code(() => signLinkToken(link, 'short'))).toBe('CONFIG_INVALID');
    expect(code(() => verifySignedToken('a.b', ''))).toBe('CONFIG_INVALID');
    expect(code(() => signLinkToken({ ...link, key: '../x' }, SECRET))).toBe('KEY_INVALID');
  });
});

describe('contentDisposition', () => {
  it.each([
    ['contacts.csv', 'attachment; filename="contacts.csv"'],
    ['Käufer.csv', `attachment; filename="K_ufer.csv"; filename*=UTF-8''K%C3%A4ufer.csv`],
    ['a "b".csv', `attachment; filename="a _b_.csv"; filename*=UTF-8''a%20%22b%22.csv`],
    ["it's (1).csv", `attachment; filename="it's (1).csv"`],
    ['50%.csv', `attachment; filename="50_.csv"; filename*=UTF-8''50%25.csv`],
    ['日本.xlsx', `attachment; filename="__.xlsx"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.xlsx`],
    ['../etc\\passwd\r\n', `attachment; filename=".._etc_passwd__"`],
    ['', 'attachment; filename="download"'],
  ])('%j → %s', (name, header) => {
    expect(contentDisposition(name)).toBe(header);
  });

  it("encodes RFC 5987 attr-chars only: ' ( ) * are escaped in filename*", () => {
    expect(contentDisposition("é'()*.csv")).toBe(
      `attachment; filename="_'()*.csv"; filename*=UTF-8''%C3%A9%27%28%29%2A.csv`,
    );
  });
});

describe('checkObjectKey', () => {
  it('accepts the keys callers use', () => {
    for (const key of [
      'tenants/7/uploads/0190f1a2-b3c4',
      'tenants/7/exports/0190f1a2.csv',
      'a',
      'tenants/7/uploads/name with spaces & ü.csv',
    ]) {
      expect(() => checkObjectKey(key)).not.toThrow();
    }
  });

  it('refuses keys over 1024 bytes', () => {
    expect(code(() => checkObjectKey('a'.repeat(1024)))).toBeUndefined();
    expect(code(() => checkObjectKey('a'.repeat(1025)))).toBe('KEY_INVALID');
    expect(code(() => checkObjectKey('ü'.repeat(513)))).toBe('KEY_INVALID');
  });
});

describe('meterBody', () => {
  it('counts, hashes and passes strings on as bytes', async () => {
    const meter = newBodyMeter();
    const out: Uint8Array[] = [];
    for await (const chunk of meterBody(Readable.from(['ab', 'c']), meter)) {
      expect(chunk).toBeInstanceOf(Uint8Array);
      out.push(chunk);
    }
    expect(Buffer.concat(out).toString()).toBe('abc');
    expect(meter.size).toBe(3);
    expect(meter.hash.digest('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(meter.error).toBeUndefined();
  });

  it('a CountingPassThrough counts what passes', async () => {
    const sink = new CountingPassThrough();
    sink.write('abc');
    sink.end(Buffer.from('de'));
    const parts: Buffer[] = [];
    for await (const chunk of sink) parts.push(chunk as Buffer);
    expect(Buffer.concat(parts).toString()).toBe('abcde');
    expect(sink.bytes).toBe(5);
  });
});
