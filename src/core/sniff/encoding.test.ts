import { Buffer } from 'node:buffer';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import {
  chooseEncoding,
  decodeHead,
  decodeToUtf8,
  detectBom,
  detectEncoding,
  incompleteUtf8Tail,
  nonAsciiSample,
  resolveEncoding,
} from './encoding.ts';

async function decodeAll(bytes: Uint8Array, encoding: string, chunkSize: number) {
  let invalid = 0;
  async function* chunks() {
    for (let i = 0; i < bytes.byteLength; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const parts: Buffer[] = [];
  for await (const b of decodeToUtf8(chunks(), encoding, () => invalid++)) parts.push(b);
  return { text: Buffer.concat(parts).toString('utf8'), invalid };
}

const utf16le = (s: string) =>
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string) =>
  Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]);

describe('detectBom', () => {
  it('recognises the UTF-8, UTF-16 and UTF-32 marks', () => {
    expect(detectBom(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toEqual({
      encoding: 'utf-8',
      length: 3,
    });
    expect(detectBom(Buffer.from([0xff, 0xfe, 0x61, 0x00]))).toEqual({
      encoding: 'utf-16le',
      length: 2,
    });
    expect(detectBom(Buffer.from([0xfe, 0xff, 0x00, 0x61]))).toEqual({
      encoding: 'utf-16be',
      length: 2,
    });
    expect(detectBom(Buffer.from([0xff, 0xfe, 0x00, 0x00]))).toEqual({
      encoding: 'utf-32le',
      length: 4,
    });
    expect(detectBom(Buffer.from('abc'))).toBeNull();
  });
});

describe('detectEncoding', () => {
  it('trusts a BOM', () => {
    expect(detectEncoding(Buffer.from('\uFEFFname\n'))).toEqual({
      encoding: 'utf-8',
      confidence: 1,
      bomLength: 3,
    });
    expect(detectEncoding(utf16le('First Name\tEmail\r\n'))).toMatchObject({
      encoding: 'utf-16le',
      bomLength: 2,
    });
    expect(detectEncoding(utf16be('First Name\tEmail\r\n'))).toMatchObject({
      encoding: 'utf-16be',
      bomLength: 2,
    });
  });

  it('refuses UTF-32 with a coded error', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x61, 0, 0, 0]);
    expect(() => detectEncoding(bytes)).toThrow(
      expect.objectContaining({ code: 'FORMAT_UNSUPPORTED' }),
    );
  });

  it('finds UTF-16 without a BOM by its NUL bytes', () => {
    expect(detectEncoding(Buffer.from('name,email\r\nAnn,a@b.co\r\n', 'utf16le')).encoding).toBe(
      'utf-16le',
    );
    expect(
      detectEncoding(Buffer.from('name,email\r\nAnn,a@b.co\r\n', 'utf16le').swap16()).encoding,
    ).toBe('utf-16be');
  });

  it('takes valid UTF-8 as UTF-8, also when the head ends inside a character', () => {
    const bytes = Buffer.from('name,city\nMüller,Zürich\n€');
    expect(detectEncoding(bytes)).toEqual({ encoding: 'utf-8', confidence: 1, bomLength: 0 });
    expect(detectEncoding(bytes.subarray(0, bytes.byteLength - 1)).encoding).toBe('utf-8');
    expect(detectEncoding(Buffer.from('a,b\n1,2\n'), false).confidence).toBeLessThan(1);
    expect(detectEncoding(Buffer.from('a,b\n1,2\n'), true).confidence).toBe(1);
  });

  it('detects Windows-1252 (Excel on Western systems) with a confidence', () => {
    const text = 'Name;Stadt;Notiz\r\nMüller;Köln;“Top” Kunde – 5 €\r\nLefèvre;Besançon;café\r\n';
    const guess = detectEncoding(iconv.encode(text, 'windows-1252'), true);
    expect(guess.encoding).toBe('windows-1252');
    expect(guess.confidence).toBeGreaterThan(0);
    expect(guess.confidence).toBeLessThanOrEqual(1);
  });

  it('reads ISO-8859-1 as its superset windows-1252, as browsers do', () => {
    const text = 'name,city\nJosé Müller,São Paulo\nFrançois,Genève\n';
    const guess = detectEncoding(iconv.encode(text, 'iso-8859-1'), true);
    expect(guess.encoding).toBe('windows-1252');
    expect(decodeHead(iconv.encode(text, 'iso-8859-1'), guess)).toBe(text);
  });

  it('calls mostly-valid UTF-8 with a few bad bytes UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from('name\nMüller\nZoë\n'),
      Buffer.from([0xff]),
      Buffer.from('\n'),
    ]);
    expect(detectEncoding(bytes, true).encoding).toBe('utf-8');
  });
});

describe('resolveEncoding and chooseEncoding', () => {
  it('accepts names iconv-lite knows and canonicalises the common ones', () => {
    expect(resolveEncoding('UTF8')).toBe('utf-8');
    expect(resolveEncoding('utf16le')).toBe('utf-16le');
    expect(resolveEncoding('Windows-1252')).toBe('windows-1252');
    expect(resolveEncoding('latin1')).toBe('latin1');
  });

  it('rejects unknown names with ENCODING_UNKNOWN', () => {
    try {
      resolveEncoding('klingon-8');
      expect.unreachable();
    } catch (err) {
      expect(isRosterError(err, 'ENCODING_UNKNOWN')).toBe(true);
    }
  });

  it('skips a BOM that matches a forced encoding', () => {
    expect(chooseEncoding(Buffer.from('\uFEFFa'), 'utf-8')).toEqual({
      encoding: 'utf-8',
      confidence: 1,
      bomLength: 3,
    });
    expect(chooseEncoding(utf16be('a'), 'utf-16')).toEqual({
      encoding: 'utf-16be',
      confidence: 1,
      bomLength: 2,
    });
    expect(chooseEncoding(Buffer.from('\uFEFFa'), 'windows-1252').bomLength).toBe(0);
  });
});

describe('incompleteUtf8Tail', () => {
  it('counts the bytes of a character cut at the end', () => {
    const euro = Buffer.from('€'); // 3 bytes
    expect(incompleteUtf8Tail(euro)).toBe(0);
    expect(incompleteUtf8Tail(euro.subarray(0, 2))).toBe(2);
    expect(incompleteUtf8Tail(euro.subarray(0, 1))).toBe(1);
    expect(incompleteUtf8Tail(Buffer.from('ab'))).toBe(0);
  });
});

describe('decodeToUtf8', () => {
  it('passes UTF-8 through without the BOM, whatever the chunk size', async () => {
    const bytes = Buffer.from('\uFEFFname\nMüller – €\n');
    for (const size of [1, 2, 3, 5, 64]) {
      expect(await decodeAll(bytes, 'utf-8', size)).toEqual({
        text: 'name\nMüller – €\n',
        invalid: 0,
      });
    }
  });

  it('flags invalid UTF-8 bytes, also a character cut off at the end of the file', async () => {
    const bad = Buffer.concat([Buffer.from('a,b\nM'), Buffer.from([0xfc]), Buffer.from('ller\n')]);
    const r = await decodeAll(bad, 'utf-8', 2);
    expect(r.invalid).toBeGreaterThan(0);
    const cut = Buffer.from('a,€').subarray(0, 4);
    expect((await decodeAll(cut, 'utf-8', 64)).invalid).toBe(1);
  });

  it('decodes UTF-16 LE and BE with BOMs into UTF-8', async () => {
    const text = 'First Name\tE-mail Address\r\nJürgen\tj@x.de\r\n';
    for (const size of [1, 3, 7, 64]) {
      expect(await decodeAll(utf16le(text), 'utf-16le', size)).toEqual({ text, invalid: 0 });
      expect(await decodeAll(utf16be(text), 'utf-16be', size)).toEqual({ text, invalid: 0 });
    }
  });

  it('keeps characters outside the BMP whole when a chunk ends inside them (UTF-16 LE and BE)', async () => {
    const text = 'name\nZo😀e 𝄞\n';
    for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]) {
      expect(await decodeAll(utf16le(text), 'utf-16le', size)).toEqual({ text, invalid: 0 });
      expect(await decodeAll(utf16be(text), 'utf-16be', size)).toEqual({ text, invalid: 0 });
    }
    // A high surrogate with nothing after it is still damage, and is reported.
    const lone = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0x41, 0xd8, 0x3d])]);
    expect(await decodeAll(lone, 'utf-16be', 64)).toEqual({ text: 'A\uFFFD', invalid: 1 });
  });

  it('keeps a trace of an odd last byte in UTF-16', async () => {
    const r = await decodeAll(Buffer.concat([utf16le('ab'), Buffer.from([0x41])]), 'utf-16le', 64);
    expect(r.text).toBe('ab\uFFFD');
    expect(r.invalid).toBe(1);
  });

  it('decodes Windows-1252 and flags its undefined bytes', async () => {
    const ok = await decodeAll(Buffer.from([0x4d, 0xfc, 0x80, 0x93, 0x94]), 'windows-1252', 2);
    expect(ok).toEqual({ text: 'Mü€“”', invalid: 0 });
    const bad = await decodeAll(Buffer.from([0x41, 0x81]), 'windows-1252', 64);
    expect(bad).toEqual({ text: 'A\uFFFD', invalid: 1 });
  });
});

describe('nonAsciiSample', () => {
  async function* chunks(bytes: Uint8Array, size: number) {
    for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
  }

  it('finds the first bytes past ASCII, also across chunks', async () => {
    const bytes = Buffer.concat([
      Buffer.from('a,b\n'.repeat(1000)),
      iconv.encode('Müller;Köln\n', 'windows-1252'),
    ]);
    const sample = await nonAsciiSample(chunks(bytes, 1000), 1 << 20, 256);
    expect(sample).not.toBeNull();
    expect(sample!.byteLength).toBeLessThanOrEqual(256);
    expect(detectEncoding(sample!, false).encoding).not.toBe('utf-8');
    expect(
      await nonAsciiSample(chunks(Buffer.from('plain\n'.repeat(100)), 64), 1 << 20),
    ).toBeNull();
  });

  it('gives up after maxBytes', async () => {
    const bytes = Buffer.concat([Buffer.from('x'.repeat(5000)), Buffer.from('é')]);
    expect(await nonAsciiSample(chunks(bytes, 1000), 2000)).toBeNull();
  });
});
