/**
 * Which of the first rows of a table is its header: usually the first, sometimes one below a
 * few lines of notes ("Exported from X on 2025-01-01", a blank line, then the header), and
 * sometimes none at all (the first row is already data: emails, numbers, phone numbers).
 */

export interface HeaderGuess {
  /** Index into the rows given; -1 when the table has no header. */
  index: number;
  /** 0..1 */
  confidence: number;
}

/** Rows looked at; notes above a header rarely run longer. */
export const HEADER_SCAN_ROWS = 20;
/** The header is looked for among this many rows from the top. */
const MAX_HEADER_INDEX = 10;

type Kind = 'empty' | 'email' | 'url' | 'date' | 'phone' | 'number' | 'bool' | 'text' | 'prose';

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]{2,}$/;
const URL_LIKE = /^(https?:\/\/|www\.)\S+$/i;
const DATE_LIKE =
  /^(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?)$/;
const PHONE_LIKE = /^\+?[\d\s().\-/]{7,}$/;
const NUMBER_LIKE = /^[-+]?[$€£¥]?\s?(\d+|\d{1,3}([,.' ]\d{3})+)([.,]\d+)?\s?%?$/;
const BOOL_LIKE = /^(true|false|yes|no|y|n|0|1|x)$/i;

/** What a cell looks like: data types tell data rows from header rows. */
function kindOf(raw: string): Kind {
  const s = raw.trim();
  if (s === '') return 'empty';
  if (EMAIL.test(s)) return 'email';
  if (URL_LIKE.test(s)) return 'url';
  if (DATE_LIKE.test(s)) return 'date';
  if (NUMBER_LIKE.test(s)) return 'number';
  if (PHONE_LIKE.test(s) && (s.match(/\d/g)?.length ?? 0) >= 7) return 'phone';
  if (BOOL_LIKE.test(s)) return 'bool';
  if (s.length > 60 || s.split(/\s+/).length > 6) return 'prose';
  return 'text';
}

const TYPED: ReadonlySet<Kind> = new Set(['email', 'url', 'date', 'phone', 'number']);

/**
 * Words that column headers of contact files are made of, in the languages the product's
 * users export from (English, German, French, Spanish, Portuguese, Italian, Dutch).
 */
const HEADER_WORDS = new Set(
  `email mail emails correo courriel address addresses adresse adress dirección direccion endereço
  name names first last given family middle full surname nickname prefix suffix title salutation
  vorname nachname nombre apellido apellidos prénom prenom nom nome cognome voornaam achternaam
  company organization organisation org employer business account firma empresa société societe entreprise azienda bedrijf
  job position role department dept team abteilung cargo puesto poste
  phone phones mobile cell tel telephone telefon telefone teléfono telefono téléphone fax number numbers nr num handy móvil movil portable
  website web url site homepage linkedin twitter facebook instagram social
  street line city town state region province county zip postal postcode code country land stadt strasse straße plz ort ciudad país pais ville pays código codigo estado provincia
  tags tag labels label groups group list lists segment category categories type kind
  score lead stage status lifecycle rating rank priority
  birthday birthdate dob birth date day month year geburtstag fecha data datum
  language lang locale timezone time zone
  notes note comment comments description remarks bemerkung notas nota
  id uid uuid key ref reference external identifier
  source owner created updated modified added last activity
  opt optin optout subscribed subscription unsubscribed consent marketing newsletter sms gdpr
  gender sex age industry sector revenue employees size custom field value
  contact contacts customer client member user username login`
    .split(/\s+/)
    .filter(Boolean),
);

function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function hasHeaderWord(s: string): boolean {
  return words(s).some((w) => HEADER_WORDS.has(w) || HEADER_WORDS.has(w.replace(/s$/, '')));
}

interface RowFacts {
  kinds: Kind[];
  filled: number;
  typed: number;
  prose: number;
  headerWords: number;
  unique: boolean;
}

function facts(row: readonly string[]): RowFacts {
  const kinds = row.map(kindOf);
  const texts = row.map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  return {
    kinds,
    filled: texts.length,
    typed: kinds.filter((k) => TYPED.has(k)).length,
    prose: kinds.filter((k) => k === 'prose').length,
    headerWords: row.filter((c) => kindOf(c) === 'text' && hasHeaderWord(c)).length,
    unique: new Set(texts).size === texts.length,
  };
}

/** The most common kind of each column among `rows`, when at least half of them agree. */
function columnKinds(rows: readonly RowFacts[], width: number): (Kind | null)[] {
  const out: (Kind | null)[] = [];
  for (let j = 0; j < width; j++) {
    const tally = new Map<Kind, number>();
    let filled = 0;
    for (const r of rows) {
      const k = r.kinds[j] ?? 'empty';
      if (k === 'empty') continue;
      filled++;
      tally.set(k, (tally.get(k) ?? 0) + 1);
    }
    let best: Kind | null = null;
    let bestN = 0;
    for (const [k, n] of tally) if (n > bestN) [best, bestN] = [k, n];
    out.push(filled > 0 && bestN * 2 >= filled ? best : null);
  }
  return out;
}

/**
 * Finds the header row among the first rows of a table (pass the first ~20 non-blank rows).
 *
 * The header is the first row, from the top, that is about as wide as the table and looks like
 * names rather than values: short texts, no emails, numbers, dates or phone numbers where the
 * rows below have them, ideally words that headers are made of. Rows above it that are narrower
 * or read like sentences are notes. When the first wide row looks like the data below it, the
 * table has no header (-1).
 *
 * @example
 * detectHeader([['Exported from CRM on 2025-01-01'], ['Email', 'Name'], ['a@b.co', 'Ann']]);
 * // { index: 1, confidence: 0.95 }
 */
export function detectHeader(rows: readonly (readonly string[])[]): HeaderGuess {
  const all = rows.slice(0, HEADER_SCAN_ROWS).map(facts);
  const nonEmpty = all.filter((r) => r.filled > 0);
  if (nonEmpty.length === 0) return { index: -1, confidence: 0 };

  // The table's width: the most common number of filled cells, ties to the wider.
  const freq = new Map<number, number>();
  for (const r of nonEmpty) freq.set(r.filled, (freq.get(r.filled) ?? 0) + 1);
  let width = 0;
  let widthN = 0;
  for (const [w, n] of freq)
    if (n > widthN || (n === widthN && w > width)) [width, widthN] = [w, n];
  const minFilled = width <= 1 ? 1 : Math.max(2, Math.ceil(width * 0.5));

  const limit = Math.min(all.length, MAX_HEADER_INDEX + 1);
  for (let i = 0; i < limit; i++) {
    const row = all[i]!;
    if (row.filled === 0) continue;
    // Notes: narrower than the table, or sentences.
    if (row.filled < minFilled) continue;
    if (row.prose > 0 && row.prose * 2 >= row.filled && row.typed === 0 && row.headerWords === 0)
      continue;

    const below = all.slice(i + 1).filter((r) => r.filled > 0);
    const kinds = columnKinds(below, row.kinds.length);
    let contrast = 0; // text above a typed column: header evidence
    let same = 0; // the same type as the column: data evidence
    row.kinds.forEach((k, j) => {
      const col = kinds[j];
      if (!col || !TYPED.has(col) || k === 'empty') return;
      if (TYPED.has(k)) same++;
      else if (k === 'text') contrast++;
    });

    if (row.typed === 0 && row.prose === 0) {
      // Only short texts: a header, more certainly with header words or typed data below.
      const wordShare = row.headerWords / row.filled;
      if (wordShare >= 0.3 || contrast > 0)
        return {
          index: i,
          confidence: round(0.8 + 0.15 * Math.max(wordShare, contrast > 0 ? 1 : 0)),
        };
      if (below.length > 0 && sameShapeAsData(row, below) && row.headerWords === 0) {
        // All-text rows like the ones below (e.g. names only): a header is still the better bet.
        return { index: i, confidence: row.unique ? 0.55 : 0.45 };
      }
      return { index: i, confidence: row.unique ? 0.7 : 0.5 };
    }
    // The row holds typed values. Data, unless most of its cells are header words.
    if (row.headerWords > row.typed && contrast >= same) return { index: i, confidence: 0.6 };
    return {
      index: -1,
      confidence: round(Math.min(0.95, 0.6 + (0.35 * (row.typed + same)) / (2 * row.filled))),
    };
  }
  // Nothing wide enough near the top: take the first non-empty row rather than lose names.
  return { index: all.findIndex((r) => r.filled > 0), confidence: 0.3 };
}

/** The row's cells are texts where the data rows have texts too, with nothing typed anywhere. */
function sameShapeAsData(row: RowFacts, below: readonly RowFacts[]): boolean {
  return below.every((r) => r.typed === 0) && row.filled === below[0]!.filled;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
