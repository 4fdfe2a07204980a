import { describe, expect, it } from 'vitest';
import { checkEmail } from './check-email.ts';
import { isDisposableDomain } from './disposable-domain.ts';
import { suggestDomain } from './domain-typo.ts';
import { isRoleLocalPart } from './role-address.ts';

describe('checkEmail', () => {
  it('normalises the domain and keeps the local part as given', () => {
    expect(checkEmail('Jane.Doe+X@Example.COM')).toEqual({
      valid: true,
      normalized: 'Jane.Doe+X@example.com',
      local: 'Jane.Doe+X',
      asciiDomain: 'example.com',
      role: false,
      disposable: false,
      suggestion: null,
    });
  });

  it('writes IDN domains in Unicode and keeps the ASCII form for look-ups', () => {
    expect(checkEmail('anna@MÜNCHEN.de')).toMatchObject({
      normalized: 'anna@münchen.de',
      asciiDomain: 'xn--mnchen-3ya.de',
    });
  });

  it('reports why an address is invalid', () => {
    expect(checkEmail('a..b@example.com')).toEqual({ valid: false, reason: 'local_dot' });
  });

  it('flags role, disposable and typo together', () => {
    expect(checkEmail('info@mailinator.com')).toMatchObject({ role: true, disposable: true });
    expect(checkEmail('Sales@gmial.com')).toMatchObject({
      role: true,
      suggestion: 'Sales@gmail.com',
    });
  });
});

describe('isRoleLocalPart', () => {
  it.each(['info', 'INFO', 'support', 'sales', 'admin', 'noreply', 'no-reply', 'info+eu'])(
    '%s is a role',
    (local) => expect(isRoleLocalPart(local)).toBe(true),
  );
  it.each(['jane', 'information', 'sales.jane', 'j.admin'])('%s is a person', (local) =>
    expect(isRoleLocalPart(local)).toBe(false),
  );
});

describe('isDisposableDomain', () => {
  it.each(['mailinator.com', '10minutemail.com', 'guerrillamail.com', 'MAILINATOR.COM'])(
    '%s is disposable',
    (d) => expect(isDisposableDomain(d)).toBe(true),
  );
  it.each(['gmail.com', 'example.com', 'acme.co.uk'])('%s is not', (d) =>
    expect(isDisposableDomain(d)).toBe(false),
  );
  it('covers sub-domains of wildcard entries', () => {
    expect(isDisposableDomain('anything.33mail.com')).toBe(true);
  });
});

describe('suggestDomain', () => {
  it.each([
    ['gmial.com', 'gmail.com'],
    ['gmai.com', 'gmail.com'],
    ['gmail.co', 'gmail.com'],
    ['gmail.con', 'gmail.com'],
    ['hotmial.com', 'hotmail.com'],
    ['hotmal.com', 'hotmail.com'],
    ['yaho.com', 'yahoo.com'],
    ['yahooo.com', 'yahoo.com'],
    ['outlok.com', 'outlook.com'],
    ['outllok.com', 'outlook.com'],
    ['icloud.co', 'icloud.com'],
    ['GMIAL.COM', 'gmail.com'],
  ])('%s → %s', (typo, domain) => expect(suggestDomain(typo)).toBe(domain));

  it.each([
    'gmail.com',
    'ymail.com',
    'mail.com',
    'email.com',
    'acme.com',
    'example.com',
    'me.com',
    'mx.com',
    'gmx.de',
    'company.io',
  ])('leaves %s alone', (d) => expect(suggestDomain(d)).toBeNull());
});
