import { describe, expect, it } from 'vitest';
import {
  isBooleanLike,
  isDateLike,
  isEmailLike,
  isIntegerLike,
  isLinkedInProfile,
  isNumberLike,
  isPhoneLike,
  isSalutation,
  isSocialUrl,
  isUrlLike,
  yearOf,
} from './value-patterns.ts';

describe('value patterns', () => {
  it('emails: one address, nothing around it', () => {
    expect(isEmailLike('ana@example.com')).toBe(true);
    expect(isEmailLike('mailto:ana@example.com')).toBe(true);
    expect(isEmailLike('Ana Lopez (ana@example.com)')).toBe(false);
    expect(isEmailLike('ana@localhost')).toBe(false);
    expect(isEmailLike('ana example.com')).toBe(false);
  });

  it('phones: phone punctuation or long digit runs; not dates, IPs, decimals or short ids', () => {
    for (const v of [
      '+1 (415) 555-0101',
      '555-1234',
      '33612345678',
      '0171 2345678',
      "'+15555552000",
      '+44 20 7946 0958 ext. 12',
    ]) {
      expect(isPhoneLike(v), v).toBe(true);
    }
    for (const v of [
      '2024-03-12',
      '203.0.113.7',
      '3.14159',
      '55331253',
      '12',
      'n/a',
      '12/03/2024',
    ]) {
      expect(isPhoneLike(v), v).toBe(false);
    }
  });

  it('dates in the common spreadsheet forms; Outlook empty dates are not dates', () => {
    for (const v of [
      '2024-03-12',
      '2025-10-15T14:30:00Z',
      '2024/03/12',
      '03/12/2024',
      '12.03.2024',
      '12 Mar 2024',
      'Mar 12, 2024',
      '7-Feb-22',
      '3/15/2024 2:30 PM',
    ]) {
      expect(isDateLike(v), v).toBe(true);
    }
    for (const v of ['0/0/00', '13/13/2024', 'March', '2024', '12 Foo 2024']) {
      expect(isDateLike(v), v).toBe(false);
    }
    expect(yearOf('12 Mar 1984')).toBe(1984);
    expect(yearOf('03/12/24')).toBeNull();
  });

  it('numbers, integers and booleans', () => {
    expect(isNumberLike('1,234.50')).toBe(true);
    expect(isNumberLike('1.234,5')).toBe(true);
    expect(isNumberLike('-3')).toBe(true);
    expect(isNumberLike('12a')).toBe(false);
    expect(isIntegerLike('42')).toBe(true);
    expect(isIntegerLike('4.2')).toBe(false);
    for (const v of ['Yes', 'no', 'TRUE', '0', 'ja', 'Oui', 'sí'])
      expect(isBooleanLike(v), v).toBe(true);
    expect(isBooleanLike('maybe')).toBe(false);
  });

  it('urls with or without a scheme; two-letter or known top-level domains only', () => {
    for (const v of ['https://acme.io/x', 'www.acme.io', 'acme.co', 'shop.example.com/path']) {
      expect(isUrlLike(v), v).toBe(true);
    }
    for (const v of ['ana@example.com', 'kris.marrier', 'J.D.', 'Acme Inc.', '3.5']) {
      expect(isUrlLike(v), v).toBe(false);
    }
  });

  it('tells LinkedIn profiles from company pages and other networks', () => {
    expect(isLinkedInProfile('https://www.linkedin.com/in/ada-lovelace/')).toBe(true);
    expect(isLinkedInProfile('http://www.linkedin.com/company/acme')).toBe(false);
    expect(isSocialUrl('http://www.linkedin.com/company/acme')).toBe(true);
    expect(isSocialUrl('https://twitter.com/acme')).toBe(true);
    expect(isSocialUrl('https://acme.io')).toBe(false);
  });

  it('salutations', () => {
    for (const v of ['Mr.', 'Mrs', 'Ms.', 'Dr.', 'Frau', 'Mme', 'Sra.'])
      expect(isSalutation(v), v).toBe(true);
    for (const v of ['VP Sales', 'Engineer', '']) expect(isSalutation(v), v).toBe(false);
  });
});
