import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { RosterError, isRosterError } from '../errors.ts';

/**
 * Streaming XML for the parts of an XLSX file, on saxes (the parser exceljs uses).
 *
 * Office XML never carries a DOCTYPE, so any DTD is refused outright: that closes the door on
 * entity-expansion attacks ("billion laughs") and external entities before they are read.
 * saxes itself never expands entities declared in a DTD either; refusing the DTD makes the failure
 * early and clear.
 */

export type XmlTag = SaxesTagPlain;

export interface XmlHandlers {
  open?(tag: XmlTag, name: string): void;
  close?(tag: XmlTag, name: string): void;
  text?(text: string): void;
}

/** The element name without its namespace prefix (`x:row` → `row`). */
export function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/**
 * An attribute's value. SpreadsheetML attributes carry no namespace prefix (`r`, `t`, `s`), so
 * this is a plain lookup: it runs for every cell.
 */
export function attr(tag: XmlTag, name: string): string | undefined {
  return tag.attributes[name];
}

/** An attribute by local name, whatever prefix it was written with (`r:id`, `ns1:id`). */
export function prefixedAttr(tag: XmlTag, name: string): string | undefined {
  for (const key in tag.attributes) if (localName(key) === name) return tag.attributes[key];
  return undefined;
}

/**
 * A saxes parser wired to `handlers` (names given without prefix). Parse errors throw
 * XLSX_CORRUPT naming `part`; a DOCTYPE throws XLSX_LIMIT_EXCEEDED.
 *
 * @example
 * const xml = xmlParser('xl/workbook.xml', { open: (tag, name) => name === 'sheet' && seen(tag) });
 * for await (const text of xmlText(entry.read())) xml.write(text);
 * xml.close();
 */
type PlainParser = SaxesParser<{ xmlns: false; position: false }>;

export function xmlParser(part: string, handlers: XmlHandlers): PlainParser {
  const parser: PlainParser = new SaxesParser({ xmlns: false, position: false });
  parser.on('doctype', () => {
    throw new RosterError(
      'XLSX_LIMIT_EXCEEDED',
      `${part} declares a DOCTYPE, which Office files never do; refused to guard against entity expansion`,
      { part },
    );
  });
  parser.on('error', (err) => {
    throw new RosterError('XLSX_CORRUPT', `The XLSX file is damaged: ${part}: ${err.message}`, {
      part,
    });
  });
  const { open, close, text } = handlers;
  if (open) parser.on('opentag', (tag) => open(tag, localName(tag.name)));
  if (close) parser.on('closetag', (tag) => close(tag, localName(tag.name)));
  if (text) {
    parser.on('text', text);
    parser.on('cdata', text);
  }
  return parser;
}

/**
 * Decodes the bytes of an XML part into text chunks: UTF-8, or UTF-16 when the part starts with
 * a UTF-16 byte-order mark (both are allowed by the XML standard and OOXML).
 */
export async function* xmlText(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  for await (const chunk of chunks) {
    if (!decoder) {
      const le = chunk[0] === 0xff && chunk[1] === 0xfe;
      const be = chunk[0] === 0xfe && chunk[1] === 0xff;
      decoder = new TextDecoder(le ? 'utf-16le' : be ? 'utf-16be' : 'utf-8');
    }
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder?.decode() ?? '';
  if (rest) yield rest;
}

/**
 * Parses a whole XML part with `handlers`.
 *
 * @example
 * await parseXmlPart('xl/styles.xml', entry.read(MAX_PART_BYTES), { open: onStyleTag });
 */
export async function parseXmlPart(
  part: string,
  chunks: AsyncIterable<Uint8Array>,
  handlers: XmlHandlers,
): Promise<void> {
  const parser = xmlParser(part, handlers);
  try {
    for await (const text of xmlText(chunks)) parser.write(text);
    parser.close();
  } catch (err) {
    if (isRosterError(err)) throw err;
    throw new RosterError(
      'XLSX_CORRUPT',
      `The XLSX file is damaged: ${part}: ${String(err)}`,
      { part },
      { cause: err },
    );
  }
}
