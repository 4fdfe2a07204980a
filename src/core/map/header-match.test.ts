import { describe, expect, it } from 'vitest';
import { STANDARD_FIELDS } from '../model/fields.ts';
import {
  fuzzyMatchHeader,
  isBlockedHeader,
  knownPhrases,
  matchHeader,
  osaDistance,
  similarity,
} from './header-match.ts';
import { normalizeHeader } from './normalize-header.ts';

const fieldOf = (h: string): string | null => matchHeader(h)?.field ?? null;

describe('matchHeader: exact names', () => {
  it('matches every spelling of a field name as exact with confidence 1', () => {
    for (const h of ['firstName', 'First Name', 'first_name', 'FIRST-NAME', 'FIRSTNAME']) {
      expect(matchHeader(h), h).toEqual({ field: 'first_name', confidence: 1, method: 'exact' });
    }
    expect(matchHeader('Lead Score')?.method).toBe('exact');
    expect(matchHeader('leadScore')?.field).toBe('lead_score');
    expect(matchHeader('Full Name')?.field).toBe('full_name');
  });
});

describe('matchHeader: synonyms', () => {
  it.each([
    ['fname', 'first_name'],
    ['given name', 'first_name'],
    ['E-mail Address', 'email'],
    ['Email Address', 'email'],
    ['Organization', 'company'],
    ['Company Name', 'company'],
    ['company_name', 'company'],
    ['Mobile Phone', 'phone'],
    ['Business Phone', 'phone'],
    ['Job Title', 'job_title'],
    ['Zip', 'postal_code'],
    ['Postcode', 'postal_code'],
    ['State/Province', 'region'],
    ['Labels', 'tags'],
    ['Lead Score', 'lead_score'],
    ['Vorname', 'first_name'],
    ['Nachname', 'last_name'],
    ['Firma', 'company'],
    ['Prénom', 'first_name'],
    ['Nom', 'last_name'],
    ['Société', 'company'],
    ['Nombre', 'first_name'],
    ['Apellido', 'last_name'],
    ['Empresa', 'company'],
    ['Telefone', 'phone'],
    ['Voornaam', 'first_name'],
    ['Achternaam', 'last_name'],
  ])('%s → %s', (header, field) => {
    const m = matchHeader(header);
    expect(m?.field).toBe(field);
    expect(m?.method === 'synonym' || m?.method === 'exact').toBe(true);
  });

  it('reads qualifiers, ordinals and Google "- Value" suffixes', () => {
    expect(fieldOf('E-mail 1 - Value')).toBe('email');
    expect(fieldOf('Address 1 - Street')).toBe('street');
    expect(fieldOf('Organization 1 - Title')).toBe('job_title');
    expect(fieldOf('Person - Email - Work')).toBe('email');
    expect(fieldOf('Default Address Province Code')).toBe('region');
    expect(fieldOf('Business Street 2')).toBe('street2');
    expect(fieldOf('Straße geschäftlich 2')).toBe('street2');
    expect(fieldOf('MAILINGPOSTALCODE')).toBe('postal_code');
    expect(fieldOf('Telefon (privat 2)')).toBe('phone');
    expect(fieldOf('Country - Home')).toBe('country');
    expect(fieldOf('Apollo Contact Id')).toBe('external_id');
  });

  it('ranks qualified and later columns below plain ones', () => {
    const conf = (h: string): number => matchHeader(h)!.confidence;
    expect(conf('Phone')).toBeGreaterThan(conf('Mobile Phone'));
    expect(conf('Mobile Phone')).toBeGreaterThan(conf('Business Phone'));
    expect(conf('Business Phone')).toBeGreaterThan(conf('Other Phone'));
    expect(conf('E-mail Address')).toBeGreaterThan(conf('E-mail 2 Address'));
    expect(conf('Business Street')).toBeGreaterThan(conf('Business Street 3'));
  });

  it('leaves label/type columns, company addresses and unknown headers unmatched', () => {
    for (const h of [
      'Phone 1 - Label',
      'Address 1 - Label',
      'E-mail Type',
      'E-mail Display Name',
      'Address 1 - PO Box',
      'Company City',
      'Apollo Account Id',
      'Connected On',
      'Created By',
      'Lead Status',
      'Name Prefix',
    ]) {
      expect(matchHeader(h), h).toBeNull();
    }
  });

  it('blocks headers about someone else or meaning the opposite of a field', () => {
    for (const h of [
      "Assistant's Phone",
      'Business Fax',
      'Pager',
      'Given Name Yomi',
      'Email Opt Out',
      'HASOPTEDOUTOFEMAIL',
      'Unsubscribed',
      'Manager Email',
      'Spouse',
    ]) {
      expect(matchHeader(h), h).toBeNull();
      expect(fuzzyMatchHeader(h), h).toBeNull();
    }
    expect(isBlockedHeader(normalizeHeader('Email Opt Out'))).toBe(true);
  });

  it('never names a field an import may not write', () => {
    const notImportable = STANDARD_FIELDS.filter((f) => !f.importable);
    for (const f of notImportable) {
      expect(fieldOf(f.key), f.key).toBeNull();
      expect(fieldOf(f.label), f.label).toBeNull();
      expect(fuzzyMatchHeader(f.label)?.field ?? null, f.label).toBeNull();
    }
    const targets = new Set([...knownPhrases().values()].map((e) => e.field));
    for (const f of notImportable) expect(targets.has(f.key)).toBe(false);
  });
});

describe('fuzzyMatchHeader', () => {
  it('accepts misspellings at or above 0.8 similarity and reports it as confidence', () => {
    expect(fuzzyMatchHeader('emial')).toEqual({ field: 'email', confidence: 0.8, method: 'fuzzy' });
    expect(fuzzyMatchHeader('compnay')?.field).toBe('company');
    expect(fuzzyMatchHeader('frist name')?.field).toBe('first_name');
    expect(fuzzyMatchHeader('Telphone')?.field).toBe('phone');
    expect(fuzzyMatchHeader('frist name')!.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('rejects near misses that are different words', () => {
    for (const h of [
      'Created By',
      'Updated At',
      'Email Open',
      'New Primary Email',
      'Vendor Name',
    ]) {
      expect(fuzzyMatchHeader(h), h).toBeNull();
    }
  });

  it('never guesses consent from a misspelling', () => {
    expect(fuzzyMatchHeader('Accepts Emial Marketing')).toBeNull();
    expect(fuzzyMatchHeader('emial opt in')?.field ?? null).not.toBe('email_opt_in');
  });

  it('counts a transposition as one edit', () => {
    expect(osaDistance('emial', 'email')).toBe(1);
    expect(osaDistance('', 'abc')).toBe(3);
    expect(similarity('email', 'email')).toBe(1);
  });
});
