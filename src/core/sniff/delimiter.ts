/**
 * Which character separates the fields of a delimited text file: `,` `;` tab or `|`, chosen by
 * how consistently each one splits the first lines into the same number of fields (quotes
 * respected), or Excel's `sep=;` hint on the first line.
 */

export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

export interface DelimiterGuess {
  delimiter: string;
  /** 0..1; 1 for a `sep=` line. */
  confidence: number;
  /** The text starts with Excel's `sep=X` line, which is not data. */
  sepLine: boolean;
}

/** Records looked at; enough to see past a few note lines above the header. */
const SAMPLE_RECORDS = 50;

const SEP_LINE = /^sep=([^\r\n])(\r\n|\n|\r|$)/i;

/**
 * Excel's delimiter hint: a first line `sep=;` (any single character). Returns the delimiter
 * and the length of the line including its line break, in characters.
 *
 * @example
 * detectSepLine('sep=;\r\na;b\r\n'); // { delimiter: ';', length: 7 }
 */
export function detectSepLine(text: string): { delimiter: string; length: number } | null {
  const m = SEP_LINE.exec(text);
  if (!m || m[1] === '"') return null;
  return { delimiter: m[1]!, length: m[0].length };
}

/**
 * Counts the fields of each record in `text` when split by `delimiter`, with RFC 4180 quoting:
 * a quote at the start of a field runs to the next lone quote, across line breaks.
 * `complete` false drops the last record, which may be cut.
 *
 * @example
 * fieldCounts('a;"b;c"\n1;2\n', ';', true); // [2, 2]
 */
export function fieldCounts(
  text: string,
  delimiter: string,
  complete: boolean,
  max = SAMPLE_RECORDS,
): number[] {
  const counts: number[] = [];
  let fields = 1;
  let fieldStart = true;
  let quoted = false;
  let blank = true;
  const n = text.length;
  for (let i = 0; i < n && counts.length < max; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
      blank = false;
    } else if (c === delimiter) {
      fields++;
      fieldStart = true;
      blank = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      // Blank lines say nothing about the delimiter; -1 marks them.
      counts.push(blank ? -1 : fields);
      fields = 1;
      fieldStart = true;
      blank = true;
    } else {
      fieldStart = false;
      if (c !== ' ') blank = false;
    }
  }
  if (complete && !blank && counts.length < max) counts.push(fields);
  return counts.filter((c) => c >= 0);
}

interface Score {
  delimiter: string;
  /** Share of records that have the most common field count. */
  consistency: number;
  /** That field count. */
  width: number;
}

function score(text: string, delimiter: string, complete: boolean): Score {
  const counts = fieldCounts(text, delimiter, complete);
  const freq = new Map<number, number>();
  for (const c of counts) if (c > 1) freq.set(c, (freq.get(c) ?? 0) + 1);
  let width = 1;
  let best = 0;
  for (const [w, f] of freq) {
    if (f > best || (f === best && w > width)) {
      best = f;
      width = w;
    }
  }
  return { delimiter, consistency: counts.length ? best / counts.length : 0, width };
}

/**
 * Finds the delimiter of a delimited text from its first lines. A `sep=` first line wins.
 * Otherwise the candidate that splits the most records into the same number (> 1) of fields
 * wins; a tie goes to the candidate that makes more fields, then to the order `,` `;` tab `|`.
 * Text with one column gives `,` with a low confidence.
 *
 * @example
 * detectDelimiter('Name;Price\nTea;1,50\nCake;2,75\n', true).delimiter; // ';'
 */
export function detectDelimiter(text: string, complete: boolean): DelimiterGuess {
  const sep = detectSepLine(text);
  if (sep) return { delimiter: sep.delimiter, confidence: 1, sepLine: true };

  const scores = DELIMITER_CANDIDATES.map((d) => score(text, d, complete)).sort(
    (a, b) => b.consistency - a.consistency || b.width - a.width,
  );
  const [best, second] = scores as [Score, Score];
  if (best.consistency === 0) return { delimiter: ',', confidence: 0.3, sepLine: false };
  // A close runner-up (e.g. decimal commas in a semicolon file) lowers the confidence.
  const margin = best.consistency - second.consistency;
  const confidence = Math.max(
    0.1,
    Math.min(1, best.consistency * (margin >= 0.2 ? 1 : 0.6 + 2 * margin)),
  );
  return {
    delimiter: best.delimiter,
    confidence: Math.round(confidence * 100) / 100,
    sepLine: false,
  };
}
