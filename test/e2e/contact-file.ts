/**
 * A contacts CSV for end-to-end tests together with what importing it must do, worked out from
 * the rows themselves (not from Roster), so the test compares the service with an independent
 * account of the file.
 */

export const CONTACT_FIELDS = [
  'email',
  'first_name',
  'last_name',
  'company',
  'lead_score',
] as const;

/** A contact as the file says it must be stored (export field names; '' when not stored). */
export type ExpectedContact = Record<(typeof CONTACT_FIELDS)[number], string>;

export interface ContactFile {
  csv: string;
  /** Data rows. */
  rows: number;
  /** The contacts the import creates, by email. */
  contacts: Map<string, ExpectedContact>;
  /** Spreadsheet row (header = row 1) → the issue codes the error report lists for it. */
  reported: Map<number, string[]>;
  counters: {
    totalRows: number;
    created: number;
    rejected: number;
    duplicatesInFile: number;
  };
}

/**
 * `n` data rows; every row is one of (the classes never overlap):
 * - i % 20 == 0: a broken email → rejected, `invalid_email`;
 * - i % 50 == 7: no email → rejected, `missing_identity`;
 * - i % 40 == 13: the email of the row before → skipped, `duplicate_in_file` (warning);
 * - i % 30 == 9: lead score 150 → imported without it, `out_of_range` (warning);
 * - otherwise a plain valid contact.
 *
 * @example
 * const file = contactFile(6000);
 * form.append('file', new Blob([file.csv]), 'leads.csv');
 */
export function contactFile(n: number, domain = 'e2e.example.com'): ContactFile {
  const lines = ['email,first_name,last_name,company,lead_score'];
  const contacts = new Map<string, ExpectedContact>();
  const reported = new Map<number, string[]>();
  const counters = { totalRows: n, created: 0, rejected: 0, duplicatesInFile: 0 };
  const emailOf = (i: number): string => `person${i}@${domain}`;
  for (let i = 1; i <= n; i++) {
    const row = i + 1;
    const first = `First${i}`;
    const last = `Last${i}`;
    const company = `Company ${i % 7}`;
    let email = emailOf(i);
    let score = String(i % 101);
    if (i % 20 === 0) {
      email = `not-an-email-${i}`;
      reported.set(row, ['invalid_email']);
      counters.rejected++;
    } else if (i % 50 === 7) {
      email = '';
      reported.set(row, ['missing_identity']);
      counters.rejected++;
    } else if (i % 40 === 13) {
      email = emailOf(i - 1);
      reported.set(row, ['duplicate_in_file']);
      counters.duplicatesInFile++;
    } else {
      if (i % 30 === 9) {
        score = '150';
        reported.set(row, ['out_of_range']);
      }
      contacts.set(email, {
        email,
        first_name: first,
        last_name: last,
        company,
        lead_score: score === '150' ? '' : score,
      });
      counters.created++;
    }
    lines.push([email, first, last, company, score].join(','));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: n, contacts, reported, counters };
}

/**
 * The counters an import of the file into an empty tenant must end with (the API's names).
 *
 * @example
 * expect(final['summary']).toMatchObject(importCounters(file));
 */
export function importCounters(file: ContactFile): Record<string, number> {
  const { totalRows, created, rejected, duplicatesInFile } = file.counters;
  return {
    totalRows,
    created,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    rejected,
    duplicatesInFile,
    possibleDuplicates: 0,
    valid: totalRows - rejected - duplicatesInFile,
  };
}
