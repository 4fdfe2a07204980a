import { describe, expect, it } from 'vitest';
import {
  compactKey,
  isGenericHeader,
  labelFromKey,
  normalizeHeader,
  snakeCase,
} from './normalize-header.ts';

describe('normalizeHeader', () => {
  it('makes case, separators and camelCase the same', () => {
    for (const h of ['firstName', 'First Name', 'first_name', 'FIRST-NAME', ' first.name ']) {
      expect(normalizeHeader(h)).toBe('first name');
    }
  });

  it('joins "e mail" into email and keeps run-together capitals as one word', () => {
    expect(normalizeHeader('E-mail 2 Address')).toBe('email 2 address');
    expect(normalizeHeader('E-Mail-Adresse')).toBe('email adresse');
    expect(normalizeHeader('FIRSTNAME')).toBe('firstname');
  });

  it('drops accents, ß, possessives and bracketed notes', () => {
    expect(normalizeHeader('Straße geschäftlich')).toBe('strasse geschaftlich');
    expect(normalizeHeader('Prénom')).toBe('prenom');
    expect(normalizeHeader("Assistant's Phone")).toBe('assistants phone');
    expect(normalizeHeader('First Name [Required]')).toBe('first name');
    expect(normalizeHeader('\uFEFFEmail')).toBe('email');
  });

  it('splits letters from digits and rejoins brand names split by camelCase', () => {
    expect(normalizeHeader('Address1')).toBe('address 1');
    expect(normalizeHeader('LinkedIn URL')).toBe('linkedin url');
    expect(normalizeHeader('HubSpot Score')).toBe('hubspot score');
    expect(normalizeHeader('WhatsApp')).toBe('whatsapp');
  });
});

describe('helpers', () => {
  it('compactKey removes spaces', () => {
    expect(compactKey('first name')).toBe('firstname');
  });

  it('snakeCase and labelFromKey make custom field keys and labels', () => {
    expect(snakeCase('companySize')).toBe('company_size');
    expect(snakeCase('Annual Revenue (USD)')).toBe('annual_revenue_usd');
    expect(labelFromKey('company_size')).toBe('Company Size');
  });

  it('isGenericHeader recognises headers that say nothing', () => {
    for (const h of ['Column 3', 'col12', 'Field 1', 'Unnamed: 4', '7', '', 'Spalte 2']) {
      expect(isGenericHeader(h)).toBe(true);
    }
    for (const h of ['Email', 'Column Name', 'Phone 2']) expect(isGenericHeader(h)).toBe(false);
  });
});
