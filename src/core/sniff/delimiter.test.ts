import { describe, expect, it } from 'vitest';
import { detectDelimiter, detectSepLine, fieldCounts } from './delimiter.ts';

describe('detectDelimiter', () => {
  it.each([
    [',', 'email,name,phone\na@b.co,Ann,555\nc@d.co,Bob,556\n'],
    [';', 'email;name;phone\na@b.co;Ann;555\nc@d.co;Bob;556\n'],
    ['\t', 'email\tname\tphone\na@b.co\tAnn\t555\nc@d.co\tBob\t556\n'],
    ['|', 'email|name|phone\na@b.co|Ann|555\nc@d.co|Bob|556\n'],
  ])('finds %j', (delimiter, text) => {
    const guess = detectDelimiter(text, true);
    expect(guess.delimiter).toBe(delimiter);
    expect(guess.confidence).toBeGreaterThan(0.8);
    expect(guess.sepLine).toBe(false);
  });

  it('ignores delimiters inside quotes, also across line breaks', () => {
    const text = 'name;note\n"Doe, John";"a, b, c"\n"Roe, Jane";"line one,\nline two, three"\n';
    expect(detectDelimiter(text, true).delimiter).toBe(';');
  });

  it('is not fooled by decimal commas in a semicolon file', () => {
    const text = 'Name;Price;Weight\nTea;1,50;0,25\nCake;12,75;1,5\nJam;3;0,4\n';
    expect(detectDelimiter(text, true).delimiter).toBe(';');
  });

  it('sees past notes above the header', () => {
    const text = 'Exported from CRM on 2025-01-01\n\nemail;name\na@b.co;Ann\nc@d.co;Bob\n';
    expect(detectDelimiter(text, true).delimiter).toBe(';');
  });

  it('honours a sep= line', () => {
    expect(detectDelimiter('sep=|\r\na,b|c\r\n', true)).toEqual({
      delimiter: '|',
      confidence: 1,
      sepLine: true,
    });
  });

  it('falls back to a comma for a single column', () => {
    const guess = detectDelimiter('email\na@b.co\nc@d.co\n', true);
    expect(guess.delimiter).toBe(',');
    expect(guess.confidence).toBeLessThan(0.5);
  });

  it('drops a last line that may be cut when the text is only a head', () => {
    expect(fieldCounts('a,b\n1,2\n3', ',', false)).toEqual([2, 2]);
    expect(fieldCounts('a,b\n1,2\n3', ',', true)).toEqual([2, 2, 1]);
  });
});

describe('detectSepLine', () => {
  it("reads Excel's hint with any line ending", () => {
    expect(detectSepLine('sep=;\r\na;b')).toEqual({ delimiter: ';', length: 7 });
    expect(detectSepLine('SEP=,\na,b')).toEqual({ delimiter: ',', length: 6 });
    expect(detectSepLine('sep=\t\ra')).toEqual({ delimiter: '\t', length: 6 });
    expect(detectSepLine('sep=;')).toEqual({ delimiter: ';', length: 5 });
    expect(detectSepLine('sep=;;\n')).toBeNull();
    expect(detectSepLine('separator\n')).toBeNull();
  });
});
