import { describe, expect, it } from 'vitest';
import { decodeExcelEscapes } from '../read/sheet-values.ts';
import { escapeAttribute, escapeCellText } from './xlsx-escape.ts';

describe('escapeCellText', () => {
  it('returns plain text unchanged (the same string)', () => {
    const value = 'ann@example.com O’Brien, José';
    expect(escapeCellText(value)).toBe(value);
  });

  it('escapes markup and writes forbidden characters and CR as Excel escapes', () => {
    expect(escapeCellText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(escapeCellText('x\u0000\u0008\u000b\u000c\u001fy')).toBe(
      'x_x0000__x0008__x000B__x000C__x001F_y',
    );
    expect(escapeCellText('one\r\ntwo\tthree')).toBe('one_x000D_\ntwo\tthree');
    expect(escapeCellText('\ufffe\uffff')).toBe('_xFFFE__xFFFF_');
  });

  it('protects text that already looks like an escape, overlapping ones included', () => {
    expect(escapeCellText('_x0041_')).toBe('_x005F_x0041_');
    expect(escapeCellText('_x005F_x000B_')).toBe('_x005F_x005F_x005F_x000B_');
    expect(escapeCellText('_x00zz_ and max_x')).toBe('_x00zz_ and max_x');
  });

  it('round-trips through the decoding Excel and Roster apply', () => {
    const values = ['_x005F_x000B_', 'a\u0001b\rc', '__x0041__', '_X0041_', 'plain'];
    for (const value of values) {
      const xml = escapeCellText(value)
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
      expect(decodeExcelEscapes(xml)).toBe(value);
    }
  });
});

describe('escapeAttribute', () => {
  it('escapes quotes and whitespace characters, drops what XML cannot carry', () => {
    expect(escapeAttribute('Say "hi" & <go>')).toBe('Say &quot;hi&quot; &amp; &lt;go&gt;');
    expect(escapeAttribute('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
    expect(escapeAttribute('bell\u0007\uffff')).toBe('bell');
    expect(escapeAttribute('plain')).toBe('plain');
  });
});
