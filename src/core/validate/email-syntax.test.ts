import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEmail, type EmailSyntaxReason } from './email-syntax.ts';

const long = (n: number, c = 'a') => c.repeat(n);

describe('parseEmail', () => {
  it.each([
    ['jane@example.com', 'jane', 'example.com'],
    ['Jane.Doe@Example.COM', 'Jane.Doe', 'example.com'],
    ['jane+news@gmail.com', 'jane+news', 'gmail.com'],
    ["o'brien@example.ie", "o'brien", 'example.ie'],
    ['a_b-c{x}|~!#$%&*/=?^`@sub.example.co.uk', 'a_b-c{x}|~!#$%&*/=?^`', 'sub.example.co.uk'],
    ['x@xn--bcher-kva.de', 'x', 'xn--bcher-kva.de'],
    ['x@Bücher.de', 'x', 'xn--bcher-kva.de'],
    ['user@例え.jp', 'user', 'xn--r8jz45g.jp'],
    ['josé@correo.es', 'josé', 'correo.es'],
    ['a@b-c.io', 'a', 'b-c.io'],
    [`${long(64)}@example.com`, long(64), 'example.com'],
    [`a@${long(63)}.com`, 'a', `${long(63)}.com`],
  ])('accepts %s', (address, local, asciiDomain) => {
    expect(parseEmail(address)).toMatchObject({ ok: true, local, asciiDomain });
  });

  it('gives the Unicode form of an IDN domain for display', () => {
    expect(parseEmail('x@BÜCHER.de')).toMatchObject({ unicodeDomain: 'bücher.de' });
  });

  // A 254-octet address is the longest allowed: 64 + 1 + 189.
  const domain189 = `${long(63)}.${long(63)}.${long(57)}.com`;
  it('accepts an address of exactly 254 octets and refuses 255', () => {
    expect(domain189.length).toBe(189);
    expect(parseEmail(`${long(64)}@${domain189}`).ok).toBe(true);
    expect(parseEmail(`${long(64)}@${domain189.replace('.com', 'b.com')}`)).toEqual({
      ok: false,
      reason: 'too_long',
    });
  });

  it.each<[string, EmailSyntaxReason]>([
    ['', 'empty'],
    ['plainaddress', 'no_at'],
    ['a@b@c.com', 'multiple_at'],
    ['@example.com', 'local_empty'],
    ['jane@', 'domain_empty'],
    [' jane@example.com', 'whitespace'],
    ['jane doe@example.com', 'whitespace'],
    ['jane@example.com\u00a0', 'whitespace'],
    ['jane..doe@example.com', 'local_dot'],
    ['.jane@example.com', 'local_dot'],
    ['jane.@example.com', 'local_dot'],
    ['"jane doe"@example.com', 'whitespace'],
    ['"jane"@example.com', 'quoted_local_part'],
    ['"a@b"@example.com', 'quoted_local_part'],
    ['jane(comment)@example.com', 'local_invalid_char'],
    ['jane,doe@example.com', 'local_invalid_char'],
    ['jane<doe@example.com', 'local_invalid_char'],
    ['jane\u2603@example.com', 'local_invalid_char'],
    [`${long(65)}@example.com`, 'local_too_long'],
    // 33 two-octet characters: 33 characters but 66 octets.
    [`${long(33, 'é')}@example.com`, 'local_too_long'],
    ['jane@example.com.', 'domain_trailing_dot'],
    ['jane@[192.168.0.1]', 'domain_literal'],
    ['jane@localhost', 'domain_single_label'],
    ['jane@example..com', 'domain_invalid'],
    ['jane@.example.com', 'domain_invalid'],
    ['jane@-example.com', 'domain_invalid'],
    ['jane@example-.com', 'domain_invalid'],
    ['jane@exa_mple.com', 'domain_invalid'],
    ['jane@exa mple.com', 'whitespace'],
    ['jane@1.2.3.4', 'domain_invalid'],
    [`jane@${long(64)}.com`, 'domain_invalid'],
    [`a@${long(63)}.${long(63)}.${long(63)}.${long(63)}.com`, 'domain_too_long'],
  ])('refuses %j (%s)', (address, reason) => {
    expect(parseEmail(address)).toEqual({ ok: false, reason });
  });
});

describe('parseEmail properties', () => {
  it('never throws, and what it accepts respects the length limits and round-trips', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.emailAddress(), fc.string({ unit: 'grapheme' })),
        (s) => {
          const parsed = parseEmail(s);
          if (!parsed.ok) return;
          expect(Buffer.byteLength(parsed.local)).toBeLessThanOrEqual(64);
          expect(Buffer.byteLength(`${parsed.local}@${parsed.asciiDomain}`)).toBeLessThanOrEqual(
            254,
          );
          expect(parseEmail(`${parsed.local}@${parsed.unicodeDomain}`)).toEqual(parsed);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
