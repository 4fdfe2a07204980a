import { describe, expect, it } from 'vitest';
import { detectHeader } from './header.ts';

const rows = (text: string): string[][] =>
  text
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('detectHeader', () => {
  it('takes an ordinary first row', () => {
    const g = detectHeader(rows('email,first_name,last_name\na@b.co,Ann,Lee\nc@d.co,Bob,Roe'));
    expect(g.index).toBe(0);
    expect(g.confidence).toBeGreaterThan(0.8);
  });

  it('finds the header below notes', () => {
    const table = [
      ['Exported from Acme CRM on 2025-01-01'],
      ['Filter: all contacts', ''],
      ['Email', 'Name', 'Phone', 'Company'],
      ['ann@example.com', 'Ann Lee', '+1 555 123 4567', 'Acme'],
      ['bob@example.com', 'Bob Roe', '+1 555 123 4568', 'Initech'],
    ];
    expect(detectHeader(table).index).toBe(2);
  });

  it('recognises a headerless file by its data', () => {
    const g = detectHeader(
      rows('ann@example.com,Ann,Lee,555-123-4567\nbob@example.com,Bob,Roe,555-123-4568'),
    );
    expect(g.index).toBe(-1);
    expect(g.confidence).toBeGreaterThan(0.6);
  });

  it('recognises a headerless single column of emails', () => {
    expect(detectHeader([['ann@example.com'], ['bob@example.com'], ['cy@example.com']]).index).toBe(
      -1,
    );
    expect(detectHeader([['Email'], ['bob@example.com'], ['cy@example.com']]).index).toBe(0);
  });

  it('takes a header whose words are unknown when typed data is below it', () => {
    expect(detectHeader(rows('Kontakt,Wert\nann@example.com,12\nbob@example.com,13')).index).toBe(
      0,
    );
  });

  it('takes header words in other languages', () => {
    expect(detectHeader(rows('Vorname,Nachname,E-Mail-Adresse\nJürgen,Müller,j@x.de')).index).toBe(
      0,
    );
    expect(detectHeader(rows('Nombre,Apellido,Correo\nAna,García,a@x.es')).index).toBe(0);
  });

  it('prefers a header for all-text tables (names only)', () => {
    expect(detectHeader(rows('Ann,Lee\nBob,Roe\nCy,Poe')).index).toBe(0);
  });

  it('handles no rows', () => {
    expect(detectHeader([])).toEqual({ index: -1, confidence: 0 });
  });
});
