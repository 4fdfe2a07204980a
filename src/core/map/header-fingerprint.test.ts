import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerFingerprint } from './header-fingerprint.ts';

describe('headerFingerprint', () => {
  it('is a stable sha-256 hex string', () => {
    const fp = headerFingerprint(['Email', 'First Name']);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(headerFingerprint(['Email', 'First Name'])).toBe(fp);
  });

  it('ignores case, surrounding and repeated whitespace, and a byte order mark', () => {
    expect(headerFingerprint(['\uFEFF Email ', 'FIRST   NAME'])).toBe(
      headerFingerprint(['email', 'first name']),
    );
  });

  it('depends on order, punctuation, and the column boundaries', () => {
    const base = headerFingerprint(['Email', 'First Name']);
    expect(headerFingerprint(['First Name', 'Email'])).not.toBe(base);
    expect(headerFingerprint(['Email', 'First_Name'])).not.toBe(base);
    expect(headerFingerprint(['a,b'])).not.toBe(headerFingerprint(['a', 'b']));
    expect(headerFingerprint(['a b'])).not.toBe(headerFingerprint(['a', 'b']));
    expect(headerFingerprint([])).not.toBe(headerFingerprint(['']));
  });

  it('never collides for header rows that differ after normalisation (property)', () => {
    // the same normalisation as the implementation: NFC, unit separators as spaces, whitespace
    const norm = (h: string[]): string =>
      JSON.stringify(
        h.map((x) =>
          x.normalize('NFC').split('\u001f').join(' ').replace(/\s+/g, ' ').trim().toLowerCase(),
        ),
      );
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
        (a, b) => {
          if (norm(a) !== norm(b)) expect(headerFingerprint(a)).not.toBe(headerFingerprint(b));
        },
      ),
    );
  });
});
