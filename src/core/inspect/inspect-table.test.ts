import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import { bytesSource } from '../model/byte-source.ts';
import { applyOverrides, inspectTable } from './inspect-table.ts';

const csv = (text: string) => bytesSource('t.csv', Buffer.from(text));

describe('inspectTable', () => {
  it('counts rows, lists issues and suggests fields in one pass', async () => {
    const r = await inspectTable(
      csv('Email,First Name,Phone\na@example.com,Ann,555-0100\n\nb@example.com,Bob\n'),
    );
    expect(r.rowCount).toBe(2);
    expect(r.columns.map((c) => c.field)).toEqual(['email', 'first_name', 'phone']);
    expect(r.issueCounts).toMatchObject({ blank_row: 1, row_too_short: 1 });
    expect(r.issues.find((i) => i.code === 'row_too_short')?.row).toBe(4);
  });

  it('lists at most maxIssues issues and counts the rest', async () => {
    const body = Array.from({ length: 30 }, (_, i) => `u${i}@example.com`).join('\n\n');
    const r = await inspectTable(csv(`email\n${body}\n`), { maxIssues: 5 });
    expect(r.issues).toHaveLength(5);
    expect(r.issueCounts.blank_row).toBe(29);
    expect(r.issuesNotListed).toBe(24);
  });

  it('uses a remembered preset looked up by the header fingerprint', async () => {
    const seen: string[] = [];
    const r = await inspectTable(csv('Mail,Ref\na@example.com,X1\n'), {
      findPreset: async (fp) => {
        seen.push(fp);
        return { mapping: { Mail: 'email', Ref: 'external_id' } };
      },
    });
    expect(seen).toEqual([r.fingerprint]);
    expect(r.columns.map((c) => [c.field, c.method])).toEqual([
      ['email', 'preset'],
      ['external_id', 'preset'],
    ]);
  });
});

describe('applyOverrides', () => {
  const base = [
    {
      index: 1,
      header: 'E1',
      field: 'email',
      confidence: 1,
      method: 'exact' as const,
      inferredType: null,
      samples: [],
    },
    {
      index: 2,
      header: 'E2',
      field: 'email_additional',
      confidence: 0.8,
      method: 'synonym' as const,
      inferredType: null,
      samples: [],
    },
    {
      index: 3,
      header: 'T',
      field: 'tags',
      confidence: 1,
      method: 'exact' as const,
      inferredType: null,
      samples: [],
    },
  ];

  it('moves a single-valued field to the chosen column and frees the other one', () => {
    const out = applyOverrides(base, { E2: 'email' }, []);
    expect(out.map((c) => c.field)).toEqual([null, 'email', 'tags']);
    expect(out[1]!.method).toBe('manual');
  });

  it('lets multi-valued fields take several columns', () => {
    const out = applyOverrides(base, { E1: 'tags' }, []);
    expect(out.map((c) => c.field)).toEqual(['tags', 'email_additional', 'tags']);
  });

  it('refuses two columns on one single-valued field, unknown columns and unknown fields', () => {
    const codes = [
      () => applyOverrides(base, { E1: 'phone', E2: 'phone' }, []),
      () => applyOverrides(base, { Nope: 'email' }, []),
      () => applyOverrides(base, { E1: 'emails_sent' }, []),
      () => applyOverrides(base, { E1: 'custom:Bad Key' }, []),
    ].map((fn) => {
      try {
        fn();
        return 'no error';
      } catch (err) {
        return isRosterError(err) ? err.code : 'other';
      }
    });
    expect(codes).toEqual(['OPTION_INVALID', 'OPTION_INVALID', 'OPTION_INVALID', 'OPTION_INVALID']);
  });
});
