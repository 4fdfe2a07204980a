import type { InspectResult } from '../core/inspect/inspect-table.ts';

const MAX_LISTED_ISSUES = 20;

function pad(s: string, n: number): string {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
}

function cut(s: string, n: number): string {
  const chars = [...s];
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('')}…`;
}

function describeDelimiter(d: string | null): string {
  if (d === null) return '';
  return d === '\t' ? 'tab' : `"${d}"`;
}

/** The human output of `roster inspect`: a summary line, the column table and the issues. */
export function renderInspect(file: string, r: InspectResult): string {
  const facts = [
    r.format.toUpperCase(),
    r.encoding
      ? `${r.encoding}${r.encodingConfidence !== null && r.encodingConfidence < 1 ? ` (${Math.round(r.encodingConfidence * 100)}% sure)` : ''}`
      : '',
    r.delimiter ? `delimiter ${describeDelimiter(r.delimiter)}` : '',
    r.sheet ? `sheet "${r.sheet}" of ${r.sheets.length}` : '',
    r.hasHeader ? `header on row ${r.headerRow}` : 'no header row',
    `${r.rowCount.toLocaleString('en-US')} data rows`,
    `${r.columns.length} columns`,
  ].filter(Boolean);
  const out: string[] = [`${file}: ${facts.join(', ')}`, ''];

  const rows = r.columns.map((c) => [
    String(c.index),
    cut(c.header, 28),
    c.field ?? '(not imported)',
    c.field ? `${Math.round(c.confidence * 100)}%` : '',
    c.method,
    cut(c.samples.join(', '), 40),
  ]);
  const head = ['#', 'Column', 'Field', 'Conf.', 'Method', 'Samples'];
  const widths = head.map((h, i) =>
    Math.max([...h].length, ...rows.map((row) => [...row[i]!].length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i]!))
      .join('  ')
      .trimEnd();
  out.push(line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line));

  const total = Object.values(r.issueCounts).reduce((a, b) => a + b, 0);
  out.push('');
  if (total === 0) {
    out.push('No problems found.');
  } else {
    const byCode = Object.entries(r.issueCounts)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} × ${n.toLocaleString('en-US')}`);
    out.push(`Issues: ${total.toLocaleString('en-US')} (${byCode.join(', ')})`);
    for (const i of r.issues.slice(0, MAX_LISTED_ISSUES)) {
      const where = [i.row !== null ? `row ${i.row}` : 'file', i.column ? `"${i.column}"` : '']
        .filter(Boolean)
        .join(' ');
      out.push(`  ${where}: ${i.code}: ${i.message}`);
    }
    const more = total - Math.min(r.issues.length, MAX_LISTED_ISSUES);
    if (more > 0)
      out.push(`  … and ${more.toLocaleString('en-US')} more (--json lists up to 1,000)`);
  }
  return `${out.join('\n')}\n`;
}
